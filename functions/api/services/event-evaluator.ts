import type { FastifyBaseLogger } from 'fastify';
import { OVERSPEED_MIN_SECONDS } from '../../../config/trackers';
import { DerivedEvent, GEOFENCE_EVENT_TYPES, alarmEvents, eventId, eventKey, eventKeyRange, geofenceTransitions, overspeedEvents } from '../domain/events';
import type { WatchingGeofence } from '../domain/events';
import type { Position } from '../domain/position';
import type { Vehicle } from '../domain/vehicle';
import { EventStore, StoredEvent, changed } from './event-store';
import type { GeofenceIndex } from './geofence-index';
import type { PositionStore } from './position-store';
import type { VehicleStore } from './vehicle-store';

/** Kept fixes one window reads at most; a wider one is split (a late batch spanning a day of 1 Hz history). */
export const MAX_WINDOW_FIXES = 2000;

/**
 * Derives a vehicle's events from its stored fixes. For new fixes it reads the kept fixes around
 * them (the one before, those between, the one after), computes the geofence transitions there,
 * and makes the log say exactly that: new transitions are written, ones a late fix disproved are
 * retracted (`retractedAt`), and each new event lists the retracted ones it replaces
 * (`supersedes`). Evaluations of one vehicle must not overlap (the DynamoDB stream's shard order
 * in AWS, a per-vehicle queue locally: see EventFeed); then the log equals the one in-order
 * delivery would have produced, whatever the arrival order, batching and duplication.
 */
export class EventEvaluator {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly positions: PositionStore,
    private readonly events: EventStore,
    private readonly geofences: GeofenceIndex,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Evaluates the events of one vehicle's new fixes (as stored: filtered ones included). */
  async evaluate(vehicleId: string, fixes: readonly Position[], now = Date.now()): Promise<void> {
    // Nothing to raise (no alarm, no kept fix): no read.
    if (alarmEvents(fixes).length === 0 && fixes.every((fix) => fix.filtered)) return;
    const vehicle = await this.vehicles.get(vehicleId);
    if (!vehicle) return; // deleted since: its history is never shown, nor are events raised for it
    // Fixes sent to an earlier vehicle of the same id belong to none.
    const ours = fixes.filter((fix) => fix.receivedAt >= vehicle.createdAt);
    await this.writeAlarms(vehicle, alarmEvents(ours), now);
    const kept = ours.filter((fix) => !fix.filtered).sort((a, b) => a.ts - b.ts);
    if (kept.length === 0) return;
    const watching = await this.geofences.watching(vehicle);
    if (watching.length === 0 && vehicle.speedLimitKmh === undefined) return;
    await this.evaluateWindow(vehicle, kept, watching, now);
  }

  private async evaluateWindow(vehicle: Vehicle, kept: readonly Position[], watching: readonly WatchingGeofence[], now: number): Promise<void> {
    const [lo, hi] = [kept[0].ts, kept[kept.length - 1].ts];
    const history = (from: number, to: number, order: 'asc' | 'desc', limit: number) =>
      this.positions.history({ vehicleId: vehicle.id, from, to, order, limit, receivedSince: vehicle.createdAt, now });
    const within = await history(lo, hi, 'asc', MAX_WINDOW_FIXES);
    if (within.next !== undefined && kept.length > 1) {
      // Too wide to read at once: each half is its own window (their borders overlap, so nothing is missed).
      const half = Math.ceil(kept.length / 2);
      await this.evaluateWindow(vehicle, kept.slice(0, half), watching, now);
      await this.evaluateWindow(vehicle, kept.slice(half), watching, now);
      return;
    }
    const [before, next] = await Promise.all([
      this.positions.keptNeighbour(vehicle.id, lo, 'before', vehicle.createdAt, now),
      this.positions.keptNeighbour(vehicle.id, hi, 'after', vehicle.createdAt, now),
    ]);
    const desired = new Map(
      geofenceTransitions(before, [...within.positions, ...(next ? [next] : [])], watching).map((event) => [
        eventKey(event.position.ts, event.type, event.geofenceId),
        event,
      ]),
    );
    // Overspeed needs the fixes OVERSPEED_MIN_SECONDS around the window too (see overspeedEvents).
    const speed = await this.overspeedContext(vehicle, watching, before, within.positions, lo, hi, now);
    for (const event of speed?.events ?? []) desired.set(eventKey(event.position.ts, event.type, event.geofenceId), event);
    const end = Math.max(next?.ts ?? hi, speed?.end ?? hi);
    const [fromKey, toKey] = eventKeyRange(lo, end);
    // Only events of geofences watching the vehicle now (and overspeed against its own limit): those of
    // a geofence deleted, rescoped, or of its former fleet stay as they were raised (nothing here could
    // re-derive them).
    const watched = new Set(watching.map((geofence) => geofence.id));
    const existing = (await this.events.ofVehicle(vehicle.id, fromKey, toKey)).filter((event) => {
      if (GEOFENCE_EVENT_TYPES.includes(event.type)) return event.geofenceId !== undefined && watched.has(event.geofenceId) && event.ts <= (next?.ts ?? hi);
      if (event.type === 'overspeed') return speed !== undefined && (event.geofenceId === undefined || watched.has(event.geofenceId));
      return false;
    });
    await this.reconcile(vehicle, desired, existing, now);
  }

  /**
   * When a speed limit can apply (the vehicle's, or a watching geofence's): the overspeed events of
   * the fixes around [lo, hi], from the kept fix OVERSPEED_MIN_SECONDS before the one before lo to
   * the second kept fix more than OVERSPEED_MIN_SECONDS after hi (`end`): no event outside that can
   * change.
   */
  private async overspeedContext(vehicle: Vehicle, watching: readonly WatchingGeofence[], before: Position | undefined, within: readonly Position[], lo: number, hi: number, now: number) {
    if (vehicle.speedLimitKmh === undefined && !watching.some((geofence) => geofence.speedLimitKmh !== undefined)) return undefined;
    const span = OVERSPEED_MIN_SECONDS * 1000;
    const kept = (from: number, to: number) =>
      this.positions.history({ vehicleId: vehicle.id, from, to, order: 'asc', limit: MAX_WINDOW_FIXES, receivedSince: vehicle.createdAt, now });
    const anchor = before && (await this.positions.keptNeighbour(vehicle.id, before.ts - span + 1, 'before', vehicle.createdAt, now));
    // With no fix that early, every fix before lo is within the span: few.
    const [earlier, later, beyond] = await Promise.all([
      before ? kept(anchor?.ts ?? 0, lo - 1) : Promise.resolve({ positions: [] as Position[] }),
      kept(hi + 1, hi + span),
      this.positions.keptNeighbour(vehicle.id, hi + span, 'after', vehicle.createdAt, now),
    ]);
    // The first fix past the span may still look back across the new fixes; the one after it decides
    // whether its run had already lasted (sparse fixes: one a minute, say).
    const further = beyond && (await this.positions.keptNeighbour(vehicle.id, beyond.ts, 'after', vehicle.createdAt, now));
    const context = [...earlier.positions, ...within, ...later.positions, ...(beyond ? [beyond] : []), ...(further ? [further] : [])];
    return {
      events: overspeedEvents(context, watching, vehicle.speedLimitKmh, OVERSPEED_MIN_SECONDS, lo),
      end: context[context.length - 1]?.ts ?? hi,
    };
  }

  /** Makes the stored geofence events of a window equal `desired`: writes what is missing, retracts what is disproved. */
  private async reconcile(vehicle: Vehicle, desired: Map<string, DerivedEvent>, existing: readonly StoredEvent[], now: number): Promise<void> {
    const stored = new Map(existing.map((event) => [event.eventKey, event]));
    const retracted = existing.filter((event) => event.retractedAt === undefined && !desired.has(event.eventKey));
    const added = [...desired].filter(([key]) => stored.get(key)?.retractedAt !== undefined || !stored.has(key));
    if (retracted.length === 0 && added.length === 0) return;
    // A new event replaces the retracted ones of its own geofence (an enter moved earlier, say).
    const supersededBy = (event: DerivedEvent) => retracted.filter((old) => old.geofenceId === event.geofenceId).map((old) => old.id);
    const writes: StoredEvent[] = [
      ...retracted.map((event) => changed({ ...event, retractedAt: now }, now)),
      ...added.map(([key, event]) => this.toStored(vehicle, key, event, now, supersededBy(event))),
    ];
    this.log.info({ vehicleId: vehicle.id, added: added.length, retracted: retracted.length }, 'events');
    await this.events.putAll(writes);
  }

  /** Alarms are one fix each: written once (a replay keeps the first detection). */
  private async writeAlarms(vehicle: Vehicle, alarms: readonly DerivedEvent[], now: number): Promise<void> {
    if (alarms.length === 0) return;
    const times = alarms.map((alarm) => alarm.position.ts);
    const [fromKey, toKey] = eventKeyRange(Math.min(...times), Math.max(...times));
    const known = new Set((await this.events.ofVehicle(vehicle.id, fromKey, toKey)).map((event) => event.eventKey));
    const fresh = alarms.map((alarm) => [eventKey(alarm.position.ts, 'alarm'), alarm] as const).filter(([key]) => !known.has(key));
    await this.events.putAll(fresh.map(([key, alarm]) => this.toStored(vehicle, key, alarm, now, [])));
  }

  private toStored(vehicle: Vehicle, key: string, event: DerivedEvent, now: number, supersedes: readonly string[]): StoredEvent {
    const { position } = event;
    return changed({
      id: eventId(vehicle.id, key),
      vehicleId: vehicle.id,
      eventKey: key,
      type: event.type,
      eventDay: new Date(position.ts).toISOString().slice(0, 10),
      ts: position.ts,
      lat: position.lat,
      lon: position.lon,
      detectedAt: now,
      ...(vehicle.fleetId !== undefined && { fleetId: vehicle.fleetId }),
      ...(event.geofenceId !== undefined && { geofenceId: event.geofenceId, geofenceName: event.geofenceName }),
      ...(position.speed !== undefined && { speed: position.speed }),
      ...(position.heading !== undefined && { heading: position.heading }),
      ...(event.alarm !== undefined && { alarm: event.alarm }),
      ...(event.speedLimitKmh !== undefined && { speedLimitKmh: event.speedLimitKmh }),
      ...(supersedes.length > 0 && { supersedes }),
    }, now);
  }
}
