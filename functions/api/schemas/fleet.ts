import { POSITION_FILTER_KEYS, POSITION_FILTER_SPEC, PositionFilterKey } from '../../../config/trackers';
import { idSchema } from './common';

export const fleetIdParamsSchema = {
  type: 'object',
  required: ['fleetId'],
  properties: { fleetId: idSchema },
} as const;

/** One setting's JSON schema, from its spec in config/trackers.ts (nullable: null goes back to the default). */
function settingSchema(key: PositionFilterKey, nullable: boolean) {
  const spec = POSITION_FILTER_SPEC[key];
  const type = nullable ? [spec.type, 'null'] : spec.type;
  return spec.type === 'boolean'
    ? { type, description: spec.description }
    : { type, minimum: spec.minimum, maximum: spec.maximum, description: `${spec.description} In ${spec.unit}, ${spec.minimum}–${spec.maximum}.` };
}

const settings = (nullable: boolean) => Object.fromEntries(POSITION_FILTER_KEYS.map((key) => [key, settingSchema(key, nullable)]));

export const patchFleetSchema = {
  type: 'object',
  required: ['positionFilter'],
  additionalProperties: false,
  examples: [{ positionFilter: { maxAccuracyMeters: 50, minIntervalSeconds: 5, filterZero: true, minDistanceMeters: null } }],
  properties: {
    positionFilter: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      description: 'The settings to change: a value overrides the environment\'s default for this fleet; null goes back to the default.',
      properties: settings(true),
    },
  },
} as const;

export const fleetViewSchema = {
  type: 'object',
  required: ['fleetId', 'positionFilter', 'overrides', 'updatedAt'],
  properties: {
    fleetId: { type: 'string' },
    positionFilter: {
      type: 'object',
      description: 'The position filter ingest applies to this fleet\'s vehicles: its overrides over the environment\'s defaults',
      required: POSITION_FILTER_KEYS,
      properties: settings(false),
    },
    overrides: { type: 'array', items: { type: 'string', enum: POSITION_FILTER_KEYS }, description: 'The settings this fleet sets itself; the others are the environment\'s defaults' },
    updatedAt: { type: ['string', 'null'], format: 'date-time', description: 'When the fleet last changed a setting; null: never' },
  },
} as const;
