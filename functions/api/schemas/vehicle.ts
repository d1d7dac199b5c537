import { TRACKER_STATUSES, VEHICLE_TYPES } from '../domain/vehicle';
import { idSchema } from './common';
import { positionViewSchema } from './position';

const nameSchema = { type: 'string', minLength: 1, maxLength: 100, description: 'Display name' } as const;
const plateSchema = { type: 'string', minLength: 1, maxLength: 20, description: 'Registration plate' } as const;
const speedLimitSchema = {
  type: 'number',
  exclusiveMinimum: 0,
  maximum: 500,
  description: 'km/h: an overspeed event when the vehicle drives faster (a geofence\'s own limit applies inside it)',
} as const;
const typeSchema = { type: 'string', enum: VEHICLE_TYPES, description: 'Kind of vehicle' } as const;
const metadataSchema = {
  type: 'object',
  maxProperties: 50,
  additionalProperties: true,
  description: 'Free-form JSON, at most 8 KB',
} as const;

export const MAX_METADATA_BYTES = 8 * 1024;
/**
 * A device id is a tracker's only credential on /osmand, so one given to a vehicle must resist
 * guessing: at least 12 characters (a generated one has 26 random ones; a 15-digit IMEI qualifies;
 * Traccar Client's default 6-digit id does not: paste the vehicle's deviceId into the app).
 */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_.:-]{12,64}$';
/** What /osmand looks up: ids registered before the 12-character minimum (4 or more) keep working. */
export const DEVICE_ID_LOOKUP_PATTERN = '^[A-Za-z0-9_.:-]{4,64}$';
const deviceIdSchema = {
  type: 'string',
  pattern: DEVICE_ID_PATTERN,
  description: 'Identifier a tracker app reports as (Traccar Client "Device identifier"): 12-64 letters, digits and _ . : -. Unique.',
} as const;

export const createVehicleSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  examples: [{ id: 'van-042', name: 'Van 42', plate: 'AB-123-C', fleetId: 'north', type: 'van', speedLimitKmh: 90, metadata: { depot: 'Amsterdam West' } }],
  properties: {
    id: { ...idSchema, description: `${idSchema.description}; generated when omitted` },
    name: nameSchema,
    plate: plateSchema,
    speedLimitKmh: speedLimitSchema,
    fleetId: idSchema,
    type: { ...typeSchema, default: 'car' },
    metadata: metadataSchema,
    deviceId: { ...deviceIdSchema, description: `${deviceIdSchema.description} Generated (26 random characters) when omitted.` },
  },
} as const;

export const patchVehicleSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  examples: [{ name: 'Van 42 (cold chain)', speedLimitKmh: 80, plate: null }],
  properties: {
    name: nameSchema,
    plate: { anyOf: [plateSchema, { type: 'null' }], description: 'null removes it' },
    speedLimitKmh: { anyOf: [speedLimitSchema, { type: 'null' }], description: 'null removes it' },
    fleetId: { anyOf: [idSchema, { type: 'null' }], description: 'null removes it' },
    type: typeSchema,
    metadata: { ...metadataSchema, description: 'Replaces the whole metadata object' },
    deviceId: {
      anyOf: [deviceIdSchema, { type: 'null' }],
      description: 'A new tracker identifier (the old one is refused on /osmand at once), or null: no tracker may report',
    },
  },
} as const;

export const vehicleViewSchema = {
  type: 'object',
  required: ['id', 'name', 'plate', 'fleetId', 'type', 'metadata', 'deviceId', 'speedLimitKmh', 'createdAt', 'updatedAt', 'position', 'status', 'lastSeenAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    plate: { type: ['string', 'null'] },
    speedLimitKmh: { type: ['number', 'null'] },
    fleetId: { type: ['string', 'null'] },
    type: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true },
    deviceId: { type: ['string', 'null'], description: 'Tracker identifier for the OsmAnd route, or null when none may report' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    position: { anyOf: [positionViewSchema, { type: 'null' }], description: 'Latest position, or null' },
    status: {
      type: 'string',
      enum: TRACKER_STATUSES,
      description: 'online: the newest fix arrived within the environment\'s offline threshold (trackers.offlineAfterMinutes); offline: longer ago; unknown: none yet',
    },
    lastSeenAt: { type: ['string', 'null'], format: 'date-time', description: 'When the newest fix arrived, or null' },
  },
} as const;

export const vehicleIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: idSchema },
} as const;
