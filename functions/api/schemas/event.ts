import { EVENT_TYPES } from '../domain/events';
import { cursorQuerySchema, idSchema } from './common';

export const MAX_EVENTS_PER_PAGE = 200;

export const eventViewSchema = {
  type: 'object',
  required: ['id', 'type', 'vehicleId', 'fleetId', 'geofenceId', 'geofenceName', 'timestamp', 'position', 'detectedAt', 'supersedes', 'retractedAt'],
  properties: {
    id: { type: 'string', description: 'Deterministic: the same transition always has this id, so a replay is a no-op for a consumer' },
    type: { type: 'string', enum: EVENT_TYPES },
    vehicleId: { type: 'string' },
    fleetId: { type: ['string', 'null'] },
    geofenceId: { type: ['string', 'null'] },
    geofenceName: { type: ['string', 'null'] },
    timestamp: { type: 'string', format: 'date-time', description: 'Time of the fix that raised it (device time)' },
    position: {
      type: 'object',
      required: ['lat', 'lon'],
      properties: { lat: { type: 'number' }, lon: { type: 'number' }, speed: { type: 'number' }, heading: { type: 'number' } },
    },
    alarm: { type: 'string', description: 'alarm events: the tracker\'s alarm (sos, …)' },
    speedLimitKmh: { type: 'number', description: 'overspeed events: the limit exceeded, km/h (the geofence\'s when geofenceId is set, else the vehicle\'s)' },
    detectedAt: { type: 'string', format: 'date-time', description: 'When the platform derived it' },
    supersedes: { type: 'array', items: { type: 'string' }, description: 'Ids of events a late fix disproved, which this one replaces (they carry retractedAt)' },
    retractedAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'Set when a fix that arrived later showed this transition did not happen here; listed only with include=retracted',
    },
  },
} as const;

export const eventQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fleetId: idSchema,
    vehicleId: idSchema,
    type: { type: 'string', enum: EVENT_TYPES, description: 'Only events of this type' },
    since: { type: 'string', description: 'Events of fixes from this time, inclusive: ISO-8601 or epoch ms (default: 24 hours ago)' },
    until: { type: 'string', description: 'Events of fixes up to this time, inclusive (default: now + 5 min)' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'asc: oldest first; desc: newest first' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS_PER_PAGE, default: 50, description: `Events per page: 1-${MAX_EVENTS_PER_PAGE}, default 50` },
    include: { type: 'string', enum: ['retracted'], description: 'retracted: also events a late fix disproved (with retractedAt)' },
    cursor: cursorQuerySchema,
  },
} as const;
