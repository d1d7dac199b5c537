import * as crypto from 'crypto';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError } from '../domain/errors';
import type { Vehicle, VehicleType } from '../domain/vehicle';
import type { DeviceStore } from './device-store';
import type { KnownVehicles } from './known-vehicles';
import { type PositionCache, latestEntryOf, versionOf } from './position-cache';
import type { VehicleChanges, VehicleStore } from './vehicle-store';

export interface Registration {
  readonly id?: string;
  readonly name: string;
  readonly plate?: string;
  readonly fleetId?: string;
  readonly type: VehicleType;
  readonly metadata?: Record<string, unknown>;
  readonly deviceId?: string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const randomBase32 = (length: number) => Array.from(crypto.randomBytes(length), (byte) => BASE32[byte & 31]).join('');

/** Generated ids: `v_` + 20 base32 characters (100 bits), unguessable and URL-safe. */
export const generateVehicleId = () => `v_${randomBase32(20)}`;
/** Generated device ids: 26 base32 characters (130 bits): device protocols authenticate by them alone. */
export const generateDeviceId = () => randomBase32(26);

/**
 * Creating, changing and removing vehicles with everything that hangs off them: the unique
 * device id claim and the cache entries.
 */
export class VehicleRegistry {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly devices: DeviceStore,
    private readonly cache: PositionCache,
    private readonly known: KnownVehicles,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Claims the device id first, then creates the vehicle. If the vehicle cannot be created (its id
   * is taken, or the database fails), the claim is released again; should that release fail too,
   * the device id stays reserved (logged) and can be freed by deleting its devices-table item.
   */
  async register(input: Registration, now = Date.now()): Promise<Vehicle> {
    const vehicle: Vehicle = {
      id: input.id ?? generateVehicleId(),
      name: input.name,
      type: input.type,
      deviceId: input.deviceId ?? generateDeviceId(),
      ...(input.plate !== undefined && { plate: input.plate }),
      ...(input.fleetId !== undefined && { fleetId: input.fleetId }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
      createdAt: now,
      updatedAt: now,
    };
    await this.devices.claim(vehicle.deviceId, vehicle.id);
    try {
      await this.vehicles.create(vehicle);
    } catch (error) {
      await this.devices.release(vehicle.deviceId, vehicle.id).catch((releaseError: Error) =>
        // The device id is a tracker's credential: log the vehicle it was claimed for, never the id.
        this.log.error({ err: releaseError.message, vehicleId: vehicle.id }, 'Could not release the device id claimed for a vehicle that was not created'),
      );
      throw error;
    }
    return vehicle;
  }

  async update(id: string, changes: VehicleChanges, now = Date.now()): Promise<Vehicle> {
    const vehicle = await this.vehicles.update(id, changes, now);
    // Its geo entry carries the fleet: the new revision replaces it.
    const entry = latestEntryOf(vehicle);
    if (entry) await this.cache.offerLatest([entry], 'write');
    return vehicle;
  }

  async remove(id: string): Promise<void> {
    const removed = await this.vehicles.delete(id);
    this.known.forget(id);
    await this.cache.forget(id, removed && versionOf(removed));
    if (!removed) throw ApiError.notFound(`Vehicle ${id} does not exist`);
    if (removed.deviceId) await this.devices.release(removed.deviceId, id);
  }
}
