import { GEOFENCE_LIMITS } from '../domain/geofence-geometry';
import { idSchema } from './common';

export const MAX_GEOFENCE_VEHICLES = 100;

export const geofenceIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: idSchema },
} as const;

/** Checked in full by parseGeometry (domain/geofence-geometry.ts), which names the exact position at fault. */
const geometrySchema = {
  type: 'object',
  required: ['type'],
  description:
    `{"type":"Circle","center":[lon,lat],"radius":metres (${GEOFENCE_LIMITS.minRadiusMeters}–${GEOFENCE_LIMITS.maxRadiusMeters})}, or a GeoJSON Polygon / MultiPolygon ` +
    `([lon,lat] positions, closed rings, holes after the outer ring, at most ${GEOFENCE_LIMITS.maxVertices} positions in all; a ring may cross the antimeridian). ` +
    'Edges are straight lines in longitude/latitude.',
  properties: {
    type: { type: 'string', enum: ['Circle', 'Polygon', 'MultiPolygon'], description: 'The kind of shape' },
    center: { type: 'array', description: '[longitude, latitude] (Circle)', examples: [[4.8952, 52.3702]] },
    radius: {
      type: 'number',
      minimum: GEOFENCE_LIMITS.minRadiusMeters,
      maximum: GEOFENCE_LIMITS.maxRadiusMeters,
      description: `Metres (Circle): ${GEOFENCE_LIMITS.minRadiusMeters}–${GEOFENCE_LIMITS.maxRadiusMeters}`,
      examples: [250],
    },
    coordinates: { type: 'array', description: 'GeoJSON coordinates (Polygon, MultiPolygon)' },
  },
} as const;

const nameSchema = { type: 'string', minLength: 1, maxLength: 100, description: 'Display name' } as const;
const vehicleIdsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_GEOFENCE_VEHICLES,
  uniqueItems: true,
  items: idSchema,
  description: `Only these vehicles (at most ${MAX_GEOFENCE_VEHICLES}); not with fleetId`,
} as const;
const speedLimitSchema = { type: 'number', exclusiveMinimum: 0, maximum: 500, description: 'km/h: overspeed inside the geofence is judged against it' } as const;

export const createGeofenceSchema = {
  type: 'object',
  required: ['name', 'geometry'],
  additionalProperties: false,
  examples: [
    { id: 'depot-west', name: 'Depot West', fleetId: 'north', geometry: { type: 'Circle', center: [4.8952, 52.3702], radius: 250 }, speedLimitKmh: 15 },
    {
      name: 'Loading yard',
      geometry: { type: 'Polygon', coordinates: [[[4.89, 52.37], [4.9, 52.37], [4.9, 52.375], [4.89, 52.375], [4.89, 52.37]]] },
    },
  ],
  properties: {
    id: { ...idSchema, description: `${idSchema.description}; generated when omitted` },
    name: nameSchema,
    geometry: geometrySchema,
    fleetId: { ...idSchema, description: 'Only this fleet\'s vehicles; with neither fleetId nor vehicleIds, every vehicle' },
    vehicleIds: vehicleIdsSchema,
    speedLimitKmh: speedLimitSchema,
  },
} as const;

export const patchGeofenceSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  examples: [{ name: 'Depot West (gate 2)', speedLimitKmh: 10 }],
  properties: {
    name: nameSchema,
    geometry: geometrySchema,
    fleetId: { anyOf: [idSchema, { type: 'null' }], description: 'null removes it' },
    vehicleIds: { anyOf: [vehicleIdsSchema, { type: 'null' }], description: 'null removes it' },
    speedLimitKmh: { anyOf: [speedLimitSchema, { type: 'null' }], description: 'null removes it' },
  },
} as const;

export const geofenceViewSchema = {
  type: 'object',
  required: ['id', 'name', 'geometry', 'fleetId', 'vehicleIds', 'speedLimitKmh', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    geometry: { type: 'object', additionalProperties: true },
    fleetId: { type: ['string', 'null'] },
    vehicleIds: { type: ['array', 'null'], items: { type: 'string' } },
    speedLimitKmh: { type: ['number', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
