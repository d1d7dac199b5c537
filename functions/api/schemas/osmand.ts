import { exampleEpochSeconds, exampleIso } from '../openapi/example-times';
import { OSMAND_JSON_COORDS, OSMAND_MAX_LOCATIONS, OSMAND_QUERY_FIELDS, type OsmAndField } from '../protocols/osmand';

/**
 * /osmand's documentation, built from the protocol's own field tables (protocols/osmand.ts), which
 * the parser reads too. These schemas document; the parser validates (a schema would refuse what the
 * protocol keeps: an out-of-range measurement is stored as a filtered fix, since a tracker refused a
 * fix resends it forever), so the route compiles them to validators that accept everything.
 */
function fieldSchemas(fields: Record<string, OsmAndField>): Record<string, object> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, field]) => [
      name,
      {
        type: field.type,
        description: field.description,
        ...(field.range && { minimum: field.range[0], maximum: field.range[1] }),
        examples: [field.example],
      },
    ]),
  );
}

const queryProperties = fieldSchemas(OSMAND_QUERY_FIELDS);

/** The query string of GET (and POST) /osmand; a form body carries the same parameters. */
export const osmandQuerySchema = { type: 'object', properties: queryProperties, additionalProperties: true } as const;

const formExample = `id=a1b2c3d4e5f6g7h8&lat=52.3702&lon=4.8952&timestamp=${exampleEpochSeconds()}&speed=22.9&bearing=90&altitude=3&accuracy=5&batt=87`;

const jsonLocation = {
  type: 'object',
  required: ['timestamp', 'coords'],
  properties: {
    timestamp: { type: 'string', format: 'date-time', description: 'Time of the fix, ISO-8601', examples: [exampleIso()] },
    coords: { type: 'object', required: ['latitude', 'longitude'], description: 'The fix', properties: fieldSchemas(OSMAND_JSON_COORDS) },
    battery: {
      type: 'object',
      description: 'The phone\'s battery',
      properties: {
        level: { type: 'number', minimum: 0, maximum: 1, description: 'Battery level 0..1 (attribute battery, in percent)', examples: [0.87] },
        is_charging: { type: 'boolean', description: 'Attribute charging', examples: [false] },
      },
    },
    is_moving: { type: 'boolean', description: 'Attribute motion', examples: [true] },
    odometer: { type: 'number', minimum: 0, description: 'Metres (attribute odometer)', examples: [12873.4] },
    activity: { type: 'object', description: 'What the phone thinks the carrier does', properties: { type: { type: 'string', description: 'Attribute activity (in_vehicle, still, …)', examples: ['in_vehicle'] } } },
    event: { type: 'string', description: 'Attribute event (motionchange, heartbeat, …)', examples: ['motionchange'] },
  },
} as const;

/** Traccar Client 9+'s JSON body. */
export const osmandJsonSchema = {
  type: 'object',
  required: ['device_id', 'location'],
  properties: {
    device_id: { type: 'string', description: 'The device identifier (the vehicle\'s deviceId)', examples: ['a1b2c3d4e5f6g7h8'] },
    location: {
      description: `One location, or a list of up to ${OSMAND_MAX_LOCATIONS} (a tracker's backlog)`,
      anyOf: [jsonLocation, { type: 'array', minItems: 1, maxItems: OSMAND_MAX_LOCATIONS, items: jsonLocation }],
    },
  },
  examples: [
    {
      device_id: 'a1b2c3d4e5f6g7h8',
      location: {
        timestamp: exampleIso(),
        coords: { latitude: 52.3702, longitude: 4.8952, speed: 11.8, heading: 90, altitude: 3, accuracy: 5 },
        battery: { level: 0.87, is_charging: false },
        is_moving: true,
      },
    },
  ],
} as const;

/** POST /osmand's bodies by content type: Traccar Client's JSON, or the query parameters as a form. */
export const osmandBodySchema = {
  content: {
    'application/json': { schema: osmandJsonSchema },
    'application/x-www-form-urlencoded': { schema: { type: 'string', description: 'The query-string parameters as a form body', examples: [formExample] } },
  },
} as const;
