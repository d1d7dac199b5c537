import type { FastifyBaseLogger } from 'fastify';
import { eventId, eventKey } from '../domain/events';
import { Vehicle, lastSeen } from '../domain/vehicle';
import { EventStore, changed } from './event-store';
import type { VehicleStore } from './vehicle-store';

/**
 * The clock behind `deviceOffline` / `deviceOnline`, run every minute (the status function in AWS,
 * a timer in the dev server). A vehicle whose newest fix arrived longer ago than the offline
 * threshold gets `deviceOffline` (at the moment it crossed the threshold) and is marked; a marked
 * vehicle that reported since gets `deviceOnline` (at that arrival, to the minute lastSeenAt keeps)
 * and is unmarked. Ids are derived from (vehicle, type, time), and the marks are conditional writes,
 * so two sweeps at once, or one retried, raise each event once. Events are written before the mark:
 * a sweep that fails between them is completed by the next.
 */
export class StatusSweep {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly events: EventStore,
    private readonly offlineAfterMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  async run(now = Date.now()): Promise<{ vehicles: number; offline: number; online: number }> {
    const result = { vehicles: 0, offline: 0, online: 0 };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.vehicles.statusPage(startKey);
      for (const vehicle of page.vehicles) {
        result.vehicles += 1;
        const outcome = await this.sweep(vehicle, now);
        if (outcome) result[outcome] += 1;
      }
      startKey = page.lastKey;
    } while (startKey);
    if (result.offline || result.online) this.log.info(result, 'status sweep');
    return result;
  }

  private async sweep(vehicle: Vehicle, now: number): Promise<'offline' | 'online' | undefined> {
    const seen = lastSeen(vehicle);
    // Without a latest position there is nowhere to say it went silent (and `status` is unknown or only filtered fixes).
    if (seen === undefined || !vehicle.latest) return undefined;
    if (vehicle.offlineSince === undefined) {
      if (now - seen <= this.offlineAfterMs) return undefined;
      await this.raise(vehicle, 'deviceOffline', seen + this.offlineAfterMs, now);
      return (await this.vehicles.markOffline(vehicle, seen)) ? 'offline' : undefined;
    }
    if (seen <= vehicle.offlineSince) return undefined;
    await this.raise(vehicle, 'deviceOnline', seen, now);
    return (await this.vehicles.markOnline(vehicle, vehicle.offlineSince)) ? 'online' : undefined;
  }

  private async raise(vehicle: Vehicle, type: 'deviceOffline' | 'deviceOnline', at: number, now: number): Promise<void> {
    const key = eventKey(at, type);
    const { lat, lon } = vehicle.latest!;
    await this.events.putIfAbsent(
      changed(
        {
          id: eventId(vehicle.id, key),
          vehicleId: vehicle.id,
          eventKey: key,
          type,
          eventDay: new Date(at).toISOString().slice(0, 10),
          ts: at,
          lat,
          lon,
          detectedAt: now,
          ...(vehicle.fleetId !== undefined && { fleetId: vehicle.fleetId }),
        },
        now,
      ),
    );
  }
}
