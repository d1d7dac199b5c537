import type { StoredEvent } from './event-store';

/** An event as the API shows it: GET /events, webhooks and the event bus all carry this. */
export function toEventView(event: StoredEvent) {
  return {
    id: event.id,
    type: event.type,
    vehicleId: event.vehicleId,
    fleetId: event.fleetId ?? null,
    geofenceId: event.geofenceId ?? null,
    geofenceName: event.geofenceName ?? null,
    timestamp: new Date(event.ts).toISOString(),
    position: { lat: event.lat, lon: event.lon, ...(event.speed !== undefined && { speed: event.speed }), ...(event.heading !== undefined && { heading: event.heading }) },
    ...(event.alarm !== undefined && { alarm: event.alarm }),
    ...(event.speedLimitKmh !== undefined && { speedLimitKmh: event.speedLimitKmh }),
    detectedAt: new Date(event.detectedAt).toISOString(),
    supersedes: event.supersedes ?? [],
    retractedAt: event.retractedAt === undefined ? null : new Date(event.retractedAt).toISOString(),
  };
}
