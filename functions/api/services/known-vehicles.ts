/** How long this process trusts that a vehicle it saw still exists, unchecked. */
export const KNOWN_VEHICLE_TTL_MS = 60_000;
const MAX_KNOWN = 10_000;

/**
 * Vehicles this process recently saw in DynamoDB (id → createdAt), so a tracker's every fix does not
 * pay a read to prove its vehicle exists. Trusted for KNOWN_VEHICLE_TTL_MS: a vehicle deleted or
 * created again meanwhile by another process is caught by the conditional latest-position update,
 * which checks existence and createdAt in the same write (see IngestService).
 */
export class KnownVehicles {
  private readonly seen = new Map<string, { createdAt: number; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  createdAt(vehicleId: string): number | undefined {
    const entry = this.seen.get(vehicleId);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.createdAt;
    this.seen.delete(vehicleId);
    return undefined;
  }

  remember(vehicleId: string, createdAt: number): void {
    this.seen.delete(vehicleId); // re-inserted last: the Map's order is the eviction order
    this.seen.set(vehicleId, { createdAt, until: this.now() + KNOWN_VEHICLE_TTL_MS });
    if (this.seen.size > MAX_KNOWN) this.seen.delete(this.seen.keys().next().value!);
  }

  forget(vehicleId: string): void {
    this.seen.delete(vehicleId);
  }
}
