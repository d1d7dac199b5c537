import { generateDeviceId, generateVehicleId } from '../domain/ids';
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
  readonly speedLimitKmh?: number;
  readonly fleetId?: string;
  readonly type: VehicleType;
  readonly metadata?: Record<string, unknown>;
  readonly deviceId?: string;
}


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
    const deviceId = input.deviceId ?? generateDeviceId();
    const vehicle: Vehicle = {
      id: input.id ?? generateVehicleId(),
      name: input.name,
      type: input.type,
      deviceId,
      ...(input.plate !== undefined && { plate: input.plate }),
      ...(input.speedLimitKmh !== undefined && { speedLimitKmh: input.speedLimitKmh }),
      ...(input.fleetId !== undefined && { fleetId: input.fleetId }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
      createdAt: now,
      updatedAt: now,
    };
    const claimed = await this.devices.claim(deviceId, vehicle.id);
    try {
      await this.vehicles.create(vehicle);
    } catch (error) {
      // Already this vehicle id's (it exists: 409): not ours to release.
      if (claimed) await this.devices.release(deviceId, vehicle.id).catch((releaseError: Error) =>
        // The device id is a tracker's credential: log the vehicle it was claimed for, never the id.
        this.log.error({ err: releaseError.message, vehicleId: vehicle.id }, 'Could not release the device id claimed for a vehicle that was not created'),
      );
      throw error;
    }
    return vehicle;
  }

  async update(id: string, changes: VehicleChanges, now = Date.now()): Promise<Vehicle> {
    const vehicle = changes.deviceId === undefined ? await this.vehicles.update(id, changes, now) : await this.changeDevice(id, changes, now);
    // Its fleet may have changed, and with it the position filter its fixes go through.
    this.known.remember(vehicle);
    // Its geo entry carries the fleet: the new revision replaces it.
    const entry = latestEntryOf(vehicle);
    if (entry) await this.cache.offerLatest([entry], 'write');
    return vehicle;
  }

  /**
   * A new tracker id (or none), in an order that any failure leaves safe and a retry completes:
   * claim the new id (409 if another vehicle has it), release the old one (from then on /osmand
   * refuses it), then record the change on the vehicle, only if its id is still the one released.
   * A failure after the release leaves the vehicle showing an id that no longer reports; the
   * client's retry (the same PATCH) finishes the job.
   */
  private async changeDevice(id: string, changes: VehicleChanges, now: number): Promise<Vehicle> {
    const current = await this.vehicles.get(id);
    if (!current) throw ApiError.notFound(`Vehicle ${id} does not exist`);
    const next = changes.deviceId ?? undefined;
    // The id it has already (a form that resends every field): no device change, nothing claimed.
    if (next === current.deviceId) {
      const { deviceId: _unchanged, ...rest } = changes;
      return this.vehicles.update(id, rest, now);
    }
    const claimed = next ? await this.devices.claim(next, id, { again: true }) : false;
    if (current.deviceId) await this.devices.release(current.deviceId, id);
    try {
      // Only if nothing changed the vehicle since it was read (its revision): a racing request
      // cannot slip the old id back in between the release and this write.
      return await this.vehicles.update(id, changes, now, current.revision ?? 0);
    } catch (error) {
      // Lost to another request: unless that one chose the same id, the id claimed here is not this vehicle's.
      if (claimed && error instanceof ApiError) {
        const winner = await this.vehicles.get(id).catch(() => undefined);
        if (winner?.deviceId !== next) await this.devices.release(next!, id).catch(() => undefined);
      }
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    const removed = await this.vehicles.delete(id);
    this.known.forget(id);
    await this.cache.forget(id, removed && versionOf(removed));
    if (!removed) throw ApiError.notFound(`Vehicle ${id} does not exist`);
    if (removed.deviceId) await this.devices.release(removed.deviceId, id);
  }
}
