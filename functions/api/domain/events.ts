/**
 * The event log's rules, as pure functions. Geofence events are transitions between consecutive
 * kept fixes of a vehicle in timestamp order: a fix inside a geofence whose previous fix was
 * outside (or that has none) is a `geofenceEnter`, the reverse a `geofenceExit`. So the log is a
 * function of the set of fixes, whatever order, batching or duplication they arrived in; an event's
 * id is derived from (vehicle, type, geofence, fix timestamp), so a replay rewrites the same event.
 */
import * as crypto from 'crypto';
import type { Position } from './position';

import { EVENT_TYPES, type EventType } from '../../../config/delivery';

export { EVENT_TYPES };
export type { EventType };
export const GEOFENCE_EVENT_TYPES: readonly EventType[] = ['geofenceEnter', 'geofenceExit'];

/** An event as derived, before it is stored. */
export interface DerivedEvent {
  readonly type: EventType;
  readonly vehicleId: string;
  readonly geofenceId?: string;
  readonly geofenceName?: string;
  /** The fix that raised it. */
  readonly position: Position;
  /** Traccar Client's `alarm` attribute (sos, …), for `alarm` events. */
  readonly alarm?: string;
  /** The limit exceeded (km/h), for `overspeed` events. */
  readonly speedLimitKmh?: number;
}

/** A geofence ready to test fixes against. */
export interface WatchingGeofence {
  readonly id: string;
  readonly name: string;
  /** km/h inside it, for overspeed. */
  readonly speedLimitKmh?: number;
  contains(lat: number, lon: number): boolean;
}

/** The speed limit at a fix: the lowest of the geofences containing it that set one, else the vehicle's. */
export function limitAt(fix: Position, geofences: readonly WatchingGeofence[], vehicleLimitKmh?: number): { kmh: number; geofence?: WatchingGeofence } | undefined {
  let limit: { kmh: number; geofence?: WatchingGeofence } | undefined;
  for (const geofence of geofences) {
    if (geofence.speedLimitKmh === undefined || (limit && limit.kmh <= geofence.speedLimitKmh)) continue;
    if (geofence.contains(fix.lat, fix.lon)) limit = { kmh: geofence.speedLimitKmh, geofence };
  }
  return limit ?? (vehicleLimitKmh === undefined ? undefined : { kmh: vehicleLimitKmh });
}

/**
 * Overspeed events among consecutive kept fixes in time order: one at the first fix of a run over the
 * limit that has lasted `minSeconds`. Whether a run has lasted that long at a fix g depends only on
 * the fixes from the last one at or before g − minSeconds up to g, so a window of history
 * `minSeconds` wide (plus a fix) around new fixes decides every event they can change. Fixes before
 * `from` are that context: no event is reported for them.
 */
export function overspeedEvents(fixes: readonly Position[], geofences: readonly WatchingGeofence[], vehicleLimitKmh: number | undefined, minSeconds: number, from: number): DerivedEvent[] {
  const limits = fixes.map((fix) => limitAt(fix, geofences, vehicleLimitKmh));
  const over = fixes.map((fix, i) => fix.speed !== undefined && limits[i] !== undefined && fix.speed > limits[i]!.kmh);
  const lastNotOver: number[] = [];
  const lasted: boolean[] = [];
  let anchor = -1; // the last fix at or before fixes[i].ts − minSeconds
  for (let i = 0; i < fixes.length; i++) {
    lastNotOver[i] = over[i] ? (i > 0 ? lastNotOver[i - 1] : -1) : i;
    while (anchor + 1 <= i && fixes[anchor + 1].ts <= fixes[i].ts - minSeconds * 1000) anchor++;
    lasted[i] = over[i] && anchor >= 0 && lastNotOver[i] < anchor;
  }
  const events: DerivedEvent[] = [];
  for (let i = 0; i < fixes.length; i++) {
    if (!lasted[i] || (i > 0 && lasted[i - 1]) || fixes[i].ts < from) continue;
    const { kmh, geofence } = limits[i]!;
    events.push({ type: 'overspeed', vehicleId: fixes[i].vehicleId, position: fixes[i], speedLimitKmh: kmh, ...(geofence && { geofenceId: geofence.id, geofenceName: geofence.name }) });
  }
  return events;
}

/** `000001795954905718#geofenceEnter#depot`: sorts by fix time, unique per vehicle. */
export function eventKey(ts: number, type: EventType, geofenceId = ''): string {
  return `${String(ts).padStart(15, '0')}#${type}#${geofenceId}`;
}

/** The smallest and largest eventKey of fixes from `from` to `to` (inclusive). */
export function eventKeyRange(from: number, to: number): [string, string] {
  return [String(from).padStart(15, '0'), `${String(to).padStart(15, '0')}#\uffff`];
}

/** Deterministic: the same transition always has the same id, so a replay is a no-op. */
export function eventId(vehicleId: string, key: string): string {
  return `ev_${crypto.createHash('sha256').update(`${vehicleId}\n${key}`).digest('base64url').slice(0, 24)}`;
}

/**
 * The geofence transitions at each fix of `fixes` (consecutive kept fixes in timestamp order),
 * `before` being the kept fix just before the first (undefined: none, as if outside everything).
 */
export function geofenceTransitions(before: Position | undefined, fixes: readonly Position[], geofences: readonly WatchingGeofence[]): DerivedEvent[] {
  const events: DerivedEvent[] = [];
  let previous = before && new Set(geofences.filter((g) => g.contains(before.lat, before.lon)).map((g) => g.id));
  for (const fix of fixes) {
    const inside = new Set<string>();
    for (const geofence of geofences) {
      const isInside = geofence.contains(fix.lat, fix.lon);
      if (isInside) inside.add(geofence.id);
      const wasInside = previous?.has(geofence.id) ?? false;
      if (isInside !== wasInside) {
        events.push({ type: isInside ? 'geofenceEnter' : 'geofenceExit', vehicleId: fix.vehicleId, geofenceId: geofence.id, geofenceName: geofence.name, position: fix });
      }
    }
    previous = inside;
  }
  return events;
}

/** Alarm events: one per fix carrying an `alarm` attribute (filtered fixes too: an SOS without a GPS fix is still an SOS). */
export function alarmEvents(fixes: readonly Position[]): DerivedEvent[] {
  return fixes.flatMap((fix) => {
    const alarm = fix.attributes?.alarm;
    return typeof alarm === 'string' && alarm ? [{ type: 'alarm' as const, vehicleId: fix.vehicleId, position: fix, alarm }] : [];
  });
}
