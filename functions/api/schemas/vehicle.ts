import { VEHICLE_TYPES } from '../domain/vehicle';
import { idSchema } from './common';
import { positionViewSchema } from './position';

const nameSchema = { type: 'string', minLength: 1, maxLength: 100, description: 'Display name' } as const;
const plateSchema = { type: 'string', minLength: 1, maxLength: 20, description: 'Registration plate' } as const;
const typeSchema = { type: 'string', enum: VEHICLE_TYPES, description: 'Kind of vehicle' } as const;
const metadataSchema = {
  type: 'object',
  maxProperties: 50,
  additionalProperties: true,
  description: 'Free-form JSON, at most 8 KB',
} as const;

export const MAX_METADATA_BYTES = 8 * 1024;
/** Device ids: what Traccar Client and OsmAnd devices accept as an identifier. */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_.:-]{4,64}$';

export const createVehicleSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    id: { ...idSchema, description: `${idSchema.description}; generated when omitted` },
    name: nameSchema,
    plate: plateSchema,
    fleetId: idSchema,
    type: { ...typeSchema, default: 'car' },
    metadata: metadataSchema,
    deviceId: {
      type: 'string',
      pattern: DEVICE_ID_PATTERN,
      description: 'Identifier a tracker app reports as (Traccar Client "Device identifier"); generated, unguessable, when omitted. Unique.',
    },
  },
} as const;

export const patchVehicleSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    name: nameSchema,
    plate: { anyOf: [plateSchema, { type: 'null' }], description: 'null removes it' },
    fleetId: { anyOf: [idSchema, { type: 'null' }], description: 'null removes it' },
    type: typeSchema,
    metadata: { ...metadataSchema, description: 'Replaces the whole metadata object' },
  },
} as const;

export const vehicleViewSchema = {
  type: 'object',
  required: ['id', 'name', 'plate', 'fleetId', 'type', 'metadata', 'deviceId', 'createdAt', 'updatedAt', 'position'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    plate: { type: ['string', 'null'] },
    fleetId: { type: ['string', 'null'] },
    type: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true },
    deviceId: { type: 'string', description: 'Tracker identifier for the OsmAnd route' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    position: { anyOf: [positionViewSchema, { type: 'null' }], description: 'Latest position, or null' },
  },
} as const;

export const vehicleIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: idSchema },
} as const;
