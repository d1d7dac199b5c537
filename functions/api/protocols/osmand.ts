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
function number(value: unknown, field: string, errors: FieldError[], range?: [number, number], implausible?: string[]): number | undefined {
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

const KNOWN_QUERY_KEYS = new Set(['id', 'deviceid', 'lat', 'lon', 'location', 'timestamp', 'speed', 'bearing', 'heading', 'altitude', 'accuracy', 'batt', 'charge', 'valid', 'hdop', 'cell', 'wifi']);

export function parseOsmAndQuery(params: URLSearchParams, now: number): OsmAndParse {
  const errors: FieldError[] = [];
  const deviceId = params.get('id') ?? params.get('deviceid');
  if (!deviceId) errors.push({ field: 'id', message: 'is required (the device identifier)' });
  let lat: number | undefined;
  let lon: number | undefined;
  const location = params.get('location');
  if (params.has('lat') || params.has('lon') || !location) {
    lat = number(params.get('lat') ?? undefined, 'lat', errors, [-90, 90]);
    lon = number(params.get('lon') ?? undefined, 'lon', errors, [-180, 180]);
  } else {
    const [latText, lonText] = location.split(',');
    lat = number(latText, 'location', errors, [-90, 90]);
    lon = number(lonText, 'location', errors, [-180, 180]);
  }
  const implausible: string[] = [];
  const optional = (key: string, range: [number, number]) => (params.has(key) ? number(params.get(key), key, errors, range, implausible) : undefined);
  const speedKnots = optional('speed', [0, 1100]);
  const headingKey = params.has('bearing') ? 'bearing' : 'heading';
  const heading = optional(headingKey, [0, 360]);
  const altitude = optional('altitude', [-1000, 100000]);
  const accuracy = optional('accuracy', [0, 1000000]);
  const attributes: Attributes = {};
  const battery = optional('batt', [0, 100]);
  if (battery !== undefined) attributes.battery = battery;
  if (params.has('charge')) attributes.charging = params.get('charge') === 'true' || params.get('charge') === '1';
  const hdop = optional('hdop', [0, 100]);
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
  if (locations.length > 500) errors.push({ field: 'location', message: 'must hold at most 500 locations' });
  const positions = locations.slice(0, 500).flatMap((location, i) => {
    const at = Array.isArray(root.location) ? `location[${i}]` : 'location';
    const coords = location?.coords ?? {};
    const before = errors.length;
    const lat = number(coords.latitude, `${at}.coords.latitude`, errors, [-90, 90]);
    const lon = number(coords.longitude, `${at}.coords.longitude`, errors, [-180, 180]);
    // The app reports -1 for "unknown" speed and heading.
    const implausible: string[] = [];
    const known = (key: string, range: [number, number]) =>
      coords[key] === undefined || coords[key] === null || coords[key] === -1 ? undefined : number(coords[key], `${at}.coords.${key}`, errors, range, implausible);
    const speedMps = known('speed', [0, 600]);
    const heading = known('heading', [0, 360]);
    const altitude = known('altitude', [-1000, 100000]);
    const accuracy = known('accuracy', [0, 1000000]);
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
