/**
 * The OsmAnd protocol as Traccar Client and other OsmAnd-style trackers send it, converted to our
 * units the way Traccar's own OsmAnd decoder reads each field:
 * - query string (GET, or POST with the same parameters in the URL or a form body): `id`/`deviceid`,
 *   `lat`, `lon` (or `location=lat,lon`), `timestamp` (epoch seconds, epoch ms, ISO-8601, or
 *   `yyyy-MM-dd HH:mm:ss` UTC), `speed` in knots, `bearing`/`heading` in degrees, `altitude` and
 *   `accuracy` in metres, `batt` in percent, `charge`, `hdop`, anything else as an attribute;
 * - JSON (Traccar Client 9+): `device_id` and `location` (one or a list) with `timestamp` (ISO-8601),
 *   `coords.latitude/longitude/accuracy/altitude/heading` and `coords.speed` in m/s (-1 = unknown),
 *   `battery.level` 0..1, `battery.is_charging`, `is_moving`, `odometer`, `activity.type`, `event`.
 */
import type { FieldError } from '../domain/errors';
import { exampleEpochSeconds } from '../openapi/example-times';
import { round } from '../domain/text';
import type { TimestampInput } from '../domain/timestamps';
import type { PositionInput } from '../services/ingest';

export const KNOTS_TO_KMH = 1.852;
export const MPS_TO_KMH = 3.6;
const MAX_ATTRIBUTES = 20;

export interface OsmAndReport {
  readonly deviceId: string;
  /** Positions with the field each came from, for error messages. */
  readonly positions: { readonly input: PositionInput; readonly field: string }[];
}

export type OsmAndParse = { report: OsmAndReport } | { errors: FieldError[] };

type Attributes = Record<string, string | number | boolean>;


/**
 * A number field. Out of range, a coordinate is an error (the request is malformed), while an
 * optional measurement (`implausible` given) is dropped and reported there: the fix is then kept as
 * filtered, because a tracker refused a fix resends it forever.
 */
function number(value: unknown, field: string, errors: FieldError[], range?: readonly [number, number], implausible?: string[]): number | undefined {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) {
    errors.push({ field, message: 'must be a number' });
    return undefined;
  }
  if (range && (parsed < range[0] || parsed > range[1])) {
    if (implausible) implausible.push(field);
    else errors.push({ field, message: `must be between ${range[0]} and ${range[1]}` });
    return undefined;
  }
  return parsed;
}

/** Traccar's rules: seconds below 2^31, else milliseconds; ISO-8601; or `yyyy-MM-dd HH:mm:ss` (UTC). */
function osmandTimestamp(value: string | undefined, now: number): TimestampInput {
  if (value === undefined || value === '') return now;
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n < 2 ** 31 ? n * 1000 : n;
  }
  const plain = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  return plain ? `${plain[1]}T${plain[2]}Z` : value;
}

/** One parameter of the protocol: what it means, in which unit, its plausible range, an example. */
export interface OsmAndField {
  readonly type: 'number' | 'string' | 'boolean';
  readonly description: string;
  /** A coordinate out of range is a 400; a measurement out of range is dropped and the fix kept as filtered. */
  readonly range?: readonly [number, number];
  readonly example: string | number | boolean;
}

/**
 * The query-string (and form-body) parameters: the parser reads its ranges here, and /docs
 * documents exactly these (schemas/osmand.ts). Any other `name=value` is kept as an attribute.
 */
export const OSMAND_QUERY_FIELDS = {
  id: { type: 'string', description: 'The device identifier (the vehicle\'s deviceId). Required, or deviceid', example: 'a1b2c3d4e5f6g7h8' },
  deviceid: { type: 'string', description: 'Same as id (older apps)', example: 'a1b2c3d4e5f6g7h8' },
  lat: { type: 'number', description: 'Latitude, WGS 84 degrees. Required unless location is given', range: [-90, 90], example: 52.3702 },
  lon: { type: 'number', description: 'Longitude, WGS 84 degrees. Required unless location is given', range: [-180, 180], example: 4.8952 },
  location: { type: 'string', description: '"lat,lon" in one parameter, instead of lat and lon', example: '52.3702,4.8952' },
  timestamp: {
    type: 'string',
    description: 'Time of the fix: epoch seconds (below 2^31), epoch milliseconds, ISO-8601, or "yyyy-MM-dd HH:mm:ss" in UTC. Default: when received',
    example: String(exampleEpochSeconds()),
  },
  speed: { type: 'number', description: 'Ground speed in knots (stored as km/h, × 1.852)', range: [0, 1100], example: 22.9 },
  bearing: { type: 'number', description: 'Course over ground, degrees clockwise from true north', range: [0, 360], example: 90 },
  heading: { type: 'number', description: 'Same as bearing', range: [0, 360], example: 90 },
  altitude: { type: 'number', description: 'Altitude above mean sea level, metres', range: [-1000, 100000], example: 3 },
  accuracy: { type: 'number', description: 'Horizontal accuracy radius, metres', range: [0, 1000000], example: 5 },
  batt: { type: 'number', description: 'Battery level, percent (attribute battery)', range: [0, 100], example: 87 },
  charge: { type: 'boolean', description: 'Charging: true or 1 (attribute charging)', example: true },
  hdop: { type: 'number', description: 'Horizontal dilution of precision (attribute hdop)', range: [0, 100], example: 0.9 },
  valid: { type: 'boolean', description: 'false or 0: the app doubts the fix (stored as filtered, never the latest position)', example: true },
  cell: { type: 'string', description: 'Cell tower (ignored)', example: '204,8,1234,5678' },
  wifi: { type: 'string', description: 'Wi-Fi access points (ignored)', example: '00-11-22-33-44-55,-70' },
} as const satisfies Record<string, OsmAndField>;

/** Traccar Client 9+'s JSON: the `coords` of each location (speed in m/s; -1 means unknown). */
export const OSMAND_JSON_COORDS = {
  latitude: { type: 'number', description: 'Latitude, WGS 84 degrees. Required', range: [-90, 90], example: 52.3702 },
  longitude: { type: 'number', description: 'Longitude, WGS 84 degrees. Required', range: [-180, 180], example: 4.8952 },
  speed: { type: 'number', description: 'Ground speed in m/s (stored as km/h, × 3.6); -1: unknown', range: [0, 600], example: 11.8 },
  heading: { type: 'number', description: 'Course over ground, degrees clockwise from true north; -1: unknown', range: [0, 360], example: 90 },
  altitude: { type: 'number', description: 'Altitude above mean sea level, metres', range: [-1000, 100000], example: 3 },
  accuracy: { type: 'number', description: 'Horizontal accuracy radius, metres', range: [0, 1000000], example: 5 },
} as const satisfies Record<string, OsmAndField>;

/** Locations one JSON report may carry. */
export const OSMAND_MAX_LOCATIONS = 500;

const KNOWN_QUERY_KEYS = new Set(Object.keys(OSMAND_QUERY_FIELDS));

export function parseOsmAndQuery(params: URLSearchParams, now: number): OsmAndParse {
  const errors: FieldError[] = [];
  const deviceId = params.get('id') ?? params.get('deviceid');
  if (!deviceId) errors.push({ field: 'id', message: 'is required (the device identifier)' });
  let lat: number | undefined;
  let lon: number | undefined;
  const location = params.get('location');
  if (params.has('lat') || params.has('lon') || !location) {
    lat = number(params.get('lat') ?? undefined, 'lat', errors, OSMAND_QUERY_FIELDS.lat.range);
    lon = number(params.get('lon') ?? undefined, 'lon', errors, OSMAND_QUERY_FIELDS.lon.range);
  } else {
    const [latText, lonText] = location.split(',');
    lat = number(latText, 'location', errors, OSMAND_QUERY_FIELDS.lat.range);
    lon = number(lonText, 'location', errors, OSMAND_QUERY_FIELDS.lon.range);
  }
  const implausible: string[] = [];
  const optional = (key: 'speed' | 'bearing' | 'heading' | 'altitude' | 'accuracy' | 'batt' | 'hdop') =>
    params.has(key) ? number(params.get(key), key, errors, OSMAND_QUERY_FIELDS[key].range, implausible) : undefined;
  const speedKnots = optional('speed');
  const heading = optional(params.has('bearing') ? 'bearing' : 'heading');
  const altitude = optional('altitude');
  const accuracy = optional('accuracy');
  const attributes: Attributes = {};
  const battery = optional('batt');
  if (battery !== undefined) attributes.battery = battery;
  if (params.has('charge')) attributes.charging = params.get('charge') === 'true' || params.get('charge') === '1';
  const hdop = optional('hdop');
  if (hdop !== undefined) attributes.hdop = hdop;
  for (const [key, value] of params) {
    if (KNOWN_QUERY_KEYS.has(key) || !/^[A-Za-z0-9_.-]{1,64}$/.test(key) || Object.keys(attributes).length >= MAX_ATTRIBUTES) continue;
    attributes[key] = value === 'true' ? true : value === 'false' ? false : value !== '' && Number.isFinite(Number(value)) ? Number(value) : value.slice(0, 256);
  }
  if (errors.length || !deviceId || lat === undefined || lon === undefined) return { errors };
  return {
    report: {
      deviceId,
      positions: [
        {
          field: '',
          input: {
            lat,
            lon,
            timestamp: osmandTimestamp(params.get('timestamp') ?? undefined, now),
            ...(speedKnots !== undefined && { speed: round(speedKnots * KNOTS_TO_KMH, 3) }),
            ...(heading !== undefined && { heading }),
            ...(altitude !== undefined && { altitude }),
            ...(accuracy !== undefined && { accuracy }),
            ...(Object.keys(attributes).length > 0 && { attributes }),
            // The app's own verdict (Traccar Client sends valid=false for a fix it doubts).
            ...((params.get('valid') === 'false' || params.get('valid') === '0') && { valid: false }),
            ...(implausible.length > 0 && { outOfRange: implausible }),
          },
        },
      ],
    },
  };
}

interface JsonLocation {
  timestamp?: unknown;
  coords?: Record<string, unknown>;
  battery?: { level?: unknown; is_charging?: unknown };
  is_moving?: unknown;
  odometer?: unknown;
  activity?: { type?: unknown };
  event?: unknown;
}

export function parseOsmAndJson(body: unknown): OsmAndParse {
  const errors: FieldError[] = [];
  const root = (body ?? {}) as { device_id?: unknown; location?: JsonLocation | JsonLocation[] };
  const deviceId = typeof root.device_id === 'string' && root.device_id ? root.device_id : undefined;
  if (!deviceId) errors.push({ field: 'device_id', message: 'is required (the device identifier)' });
  const locations = Array.isArray(root.location) ? root.location : root.location ? [root.location] : [];
  if (locations.length === 0) errors.push({ field: 'location', message: 'is required' });
  if (locations.length > OSMAND_MAX_LOCATIONS) errors.push({ field: 'location', message: `must hold at most ${OSMAND_MAX_LOCATIONS} locations` });
  const positions = locations.slice(0, OSMAND_MAX_LOCATIONS).flatMap((location, i) => {
    const at = Array.isArray(root.location) ? `location[${i}]` : 'location';
    const coords = location?.coords ?? {};
    const before = errors.length;
    const lat = number(coords.latitude, `${at}.coords.latitude`, errors, OSMAND_JSON_COORDS.latitude.range);
    const lon = number(coords.longitude, `${at}.coords.longitude`, errors, OSMAND_JSON_COORDS.longitude.range);
    // The app reports -1 for "unknown" speed and heading.
    const implausible: string[] = [];
    const known = (key: 'speed' | 'heading' | 'altitude' | 'accuracy') =>
      coords[key] === undefined || coords[key] === null || coords[key] === -1 ? undefined : number(coords[key], `${at}.coords.${key}`, errors, OSMAND_JSON_COORDS[key].range, implausible);
    const speedMps = known('speed');
    const heading = known('heading');
    const altitude = known('altitude');
    const accuracy = known('accuracy');
    if (typeof location?.timestamp !== 'string') errors.push({ field: `${at}.timestamp`, message: 'is required (ISO-8601)' });
    const attributes: Attributes = {};
    const level = location?.battery?.level;
    if (typeof level === 'number' && level >= 0 && level <= 1) attributes.battery = round(level * 100, 1);
    if (typeof location?.battery?.is_charging === 'boolean') attributes.charging = location.battery.is_charging;
    if (typeof location?.is_moving === 'boolean') attributes.motion = location.is_moving;
    if (typeof location?.odometer === 'number') attributes.odometer = location.odometer;
    if (typeof location?.activity?.type === 'string') attributes.activity = location.activity.type.slice(0, 64);
    if (typeof location?.event === 'string') attributes.event = location.event.slice(0, 64);
    if (errors.length > before || lat === undefined || lon === undefined) return [];
    return [
      {
        field: at,
        input: {
          lat,
          lon,
          ...(implausible.length > 0 && { outOfRange: implausible }),
          timestamp: location.timestamp as string,
          ...(speedMps !== undefined && { speed: round(speedMps * MPS_TO_KMH, 3) }),
          ...(heading !== undefined && { heading }),
          ...(altitude !== undefined && { altitude }),
          ...(accuracy !== undefined && { accuracy }),
          ...(Object.keys(attributes).length > 0 && { attributes }),
        },
      },
    ];
  });
  if (errors.length || !deviceId) return { errors };
  return { report: { deviceId, positions } };
}
