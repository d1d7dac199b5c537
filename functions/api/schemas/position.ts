import { FILTER_REASONS } from '../domain/position';
import { exampleIso } from '../openapi/example-times';
import { idSchema, timestampSchema } from './common';

/** A fix as the docs show it (lat/lon in Amsterdam: the simulator's city). */
const EXAMPLE_FIX = { lat: 52.3702, lon: 4.8952, timestamp: exampleIso(), speed: 42.5, heading: 90, accuracy: 5, attributes: { battery: 87, ignition: true } };
/** One position, and a batch of two (a tracker's backlog), for POST /vehicles/{id}/positions. */
export const POSITION_BODY_EXAMPLES = [EXAMPLE_FIX, [EXAMPLE_FIX, { ...EXAMPLE_FIX, lon: 4.8961, timestamp: exampleIso(5) }]];
/** A batch across vehicles, for POST /positions. */
export const BATCH_BODY_EXAMPLES = [[{ vehicleId: 'van-042', ...EXAMPLE_FIX }, { vehicleId: 'truck-7', lat: 52.3511, lon: 4.9123, timestamp: exampleIso(1), speed: 0 }]];

/** The most positions one request may carry. */
export const MAX_POSITIONS_PER_REQUEST = 500;

const measurementProperties = {
  lat: { type: 'number', minimum: -90, maximum: 90, description: 'Latitude, WGS 84 degrees', examples: [52.3702] },
  lon: { type: 'number', minimum: -180, maximum: 180, description: 'Longitude, WGS 84 degrees', examples: [4.8952] },
  timestamp: timestampSchema,
  speed: { type: 'number', minimum: 0, maximum: 2000, description: 'Ground speed, km/h', examples: [42.5] },
  heading: { type: 'number', minimum: 0, maximum: 360, description: 'Course over ground, degrees clockwise from true north', examples: [90] },
  altitude: { type: 'number', minimum: -1000, maximum: 100000, description: 'Altitude above mean sea level, metres', examples: [3] },
  accuracy: { type: 'number', minimum: 0, maximum: 1000000, description: 'Horizontal accuracy radius, metres', examples: [5] },
  attributes: {
    type: 'object',
    description: 'Small free-form map (battery, ignition, odometer, …): up to 20 entries',
    maxProperties: 20,
    examples: [{ battery: 87, ignition: true }],
    propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    additionalProperties: { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'number' }, { type: 'boolean' }] },
  },
} as const;

export const positionInputSchema = {
  type: 'object',
  required: ['lat', 'lon', 'timestamp'],
  additionalProperties: false,
  properties: measurementProperties,
} as const;

export const vehiclePositionInputSchema = {
  type: 'object',
  required: ['vehicleId', 'lat', 'lon', 'timestamp'],
  additionalProperties: false,
  properties: { vehicleId: idSchema, ...measurementProperties },
} as const;

export const positionViewSchema = {
  type: 'object',
  required: ['vehicleId', 'timestamp', 'lat', 'lon', 'receivedAt'],
  properties: {
    vehicleId: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    lat: measurementProperties.lat,
    lon: measurementProperties.lon,
    speed: measurementProperties.speed,
    heading: measurementProperties.heading,
    altitude: measurementProperties.altitude,
    accuracy: measurementProperties.accuracy,
    attributes: { type: 'object', additionalProperties: true },
    receivedAt: { type: 'string', format: 'date-time', description: 'When the platform stored it' },
    filtered: {
      type: 'string',
      enum: FILTER_REASONS,
      description: 'Present when the fix was stored as implausible (never the latest position): future-clock, invalid-fix, zero-fix or low-accuracy',
    },
  },
} as const;

export const ingestResultSchema = {
  type: 'object',
  required: ['stored', 'duplicatesInRequest'],
  properties: {
    stored: { type: 'integer', description: 'Positions durably stored (or already stored: ingest is idempotent)' },
    duplicatesInRequest: { type: 'integer', description: 'Entries that repeated a (vehicle, timestamp) of the same request' },
    filtered: { type: 'integer', description: 'Of the stored, those kept as filtered: implausible, or thinned by the fleet\'s position filter (see a position\'s filtered); present when > 0' },
    alreadyStored: { type: 'integer', description: 'Of the stored, resends of the vehicle\'s latest fix (same time and place): not written again; present when > 0' },
    expired: { type: 'integer', description: 'Tracker fixes older than the retention: acknowledged, not stored; present when > 0' },
    discarded: { type: 'integer', description: 'Tracker fixes stamped more than a year ahead: acknowledged, not stored; present when > 0' },
  },
} as const;
