import type { KeptFix } from '../domain/position-filter';
import type { Vehicle } from '../domain/vehicle';

/** How long this process trusts what it saw of a vehicle, unchecked. */
export const KNOWN_VEHICLE_TTL_MS = 60_000;
const MAX_KNOWN = 10_000;

/** What ingest needs of a vehicle before it writes: which incarnation, which fleet, which latest fix. */
export interface KnownVehicle {
  readonly createdAt: number;
  readonly fleetId?: string;
  /** Its latest position as DynamoDB last told this process; undefined: none, or not known here. */
  readonly latest?: KeptFix;
  /** When a fix last arrived, as DynamoDB last told this process (see IngestService.markSeen). */
  readonly lastSeenAt?: number;
}

/**
 * Vehicles this process recently saw in DynamoDB, so a tracker's every fix does not pay a read to
 * prove its vehicle exists or to find the fix it is thinned against. Trusted for KNOWN_VEHICLE_TTL_MS
 * since DynamoDB last told it: a vehicle deleted or created again meanwhile by another process is
 * caught by the conditional latest-position update, which checks existence and createdAt in the same
 * write; a latest position another process wrote meanwhile only makes thinning compare with an older
 * fix (see IngestService).
 */
export class KnownVehicles {
  private readonly seen = new Map<string, KnownVehicle & { until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(vehicleId: string): KnownVehicle | undefined {
    const entry = this.seen.get(vehicleId);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry;
    this.seen.delete(vehicleId);
    return undefined;
  }

  /** What DynamoDB just returned for the vehicle (a read, or the item a write left). */
  remember(vehicle: Pick<Vehicle, 'id' | 'createdAt' | 'fleetId' | 'latest' | 'lastSeenAt'>): void {
    const { latest } = vehicle;
    this.seen.delete(vehicle.id); // re-inserted last: the Map's order is the eviction order
    this.seen.set(vehicle.id, {
      createdAt: vehicle.createdAt,
      fleetId: vehicle.fleetId,
      latest,
      lastSeenAt: vehicle.lastSeenAt,
      until: this.now() + KNOWN_VEHICLE_TTL_MS,
    });
    if (this.seen.size > MAX_KNOWN) this.seen.delete(this.seen.keys().next().value!);
  }

  forget(vehicleId: string): void {
    this.seen.delete(vehicleId);
  }
}
