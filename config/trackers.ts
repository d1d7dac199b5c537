/**
 * Tracker settings: when a tracker counts as offline, how old a fix nearby search still shows, and
 * which fixes are stored as filtered (position filtering). ENVIRONMENTS[env].trackers starts from
 * these defaults; a fleet can override the position filter (`PATCH /fleets/{fleetId}`).
 */

/**
 * Which fixes are kept as filtered: never the latest position, never in the geo index, hidden from
 * history unless asked for. Amazon Location's three filtering modes (time, distance, accuracy) and
 * Traccar's invalid / zero / accuracy / duplicate filters, with Traccar's "skip limit" so a parked
 * vehicle's latest position stays fresh.
 */
export interface PositionFilterSettings {
  readonly maxAccuracyMeters: number;
  readonly minIntervalSeconds: number;
  readonly minDistanceMeters: number;
  readonly accuracyBased: boolean;
  readonly filterInvalid: boolean;
  readonly filterZero: boolean;
  readonly alwaysKeepAfterSeconds: number;
}
export type PositionFilterKey = keyof PositionFilterSettings;

interface SettingSpec {
  readonly type: 'integer' | 'boolean';
  readonly minimum?: number;
  readonly maximum?: number;
  readonly unit?: string;
  readonly description: string;
}

/** Each setting's type, range and meaning: used by the API's schema, config validation, /docs and help/. */
export const POSITION_FILTER_SPEC: Readonly<Record<PositionFilterKey, SettingSpec>> = {
  maxAccuracyMeters: {
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    unit: 'metres',
    description: 'A fix whose accuracy radius is larger is filtered (`low-accuracy`).',
  },
  minIntervalSeconds: {
    type: 'integer',
    minimum: 0,
    maximum: 3600,
    unit: 'seconds',
    description: 'Time-based: a fix sooner than this after the last kept fix is filtered (`too-soon`). 0 turns it off.',
  },
  minDistanceMeters: {
    type: 'integer',
    minimum: 0,
    maximum: 10_000,
    unit: 'metres',
    description: 'Distance-based: a fix nearer than this to the last kept fix is filtered (`too-close`). 0 turns it off.',
  },
  accuracyBased: {
    type: 'boolean',
    description:
      'Accuracy-based: a fix that moved less than the two fixes\' accuracy radii added together is filtered (`too-close`): a move within the measurement error.',
  },
  filterInvalid: { type: 'boolean', description: 'A fix the device marks invalid (OsmAnd `valid=false`) is filtered (`invalid-fix`).' },
  filterZero: { type: 'boolean', description: 'A fix at exactly 0,0 (a GPS chip without a fix) is filtered (`zero-fix`).' },
  alwaysKeepAfterSeconds: {
    type: 'integer',
    minimum: 60,
    maximum: 3600,
    unit: 'seconds',
    description:
      'A fix this long after the last kept fix is kept whatever the time, distance and accuracy-based filters say, so a parked vehicle\'s latest position stays fresh. Must be at least minIntervalSeconds.',
  },
};

export const POSITION_FILTER_KEYS = Object.keys(POSITION_FILTER_SPEC) as PositionFilterKey[];

/** What every environment starts from: plausibility filters on, thinning off. */
export const POSITION_FILTER_DEFAULTS: PositionFilterSettings = {
  maxAccuracyMeters: 1000,
  minIntervalSeconds: 0,
  minDistanceMeters: 0,
  accuracyBased: false,
  filterInvalid: true,
  filterZero: true,
  alwaysKeepAfterSeconds: 300,
};

export const TRACKER_DEFAULTS = {
  /** A vehicle whose newest fix arrived longer ago than this is `offline`. */
  offlineAfterMinutes: 10,
  /** `GET /positions/nearby` leaves out vehicles whose latest fix is older (its `maxAge` overrides). */
  nearbyMaxAgeMinutes: 60,
  /** The position filter of every fleet that does not override it. */
  positionFilter: POSITION_FILTER_DEFAULTS,
} as const;

/** What is wrong with (possibly partial) settings: one problem per field, the field named as in the settings. */
export function positionFilterProblems(settings: object): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [field, value] of Object.entries(settings)) {
    const spec = POSITION_FILTER_SPEC[field as PositionFilterKey];
    if (!spec) problems.push({ field, message: `is not a position filter setting (${POSITION_FILTER_KEYS.join(', ')})` });
    else if (spec.type === 'boolean' && typeof value !== 'boolean') problems.push({ field, message: 'must be true or false' });
    else if (spec.type === 'integer' && !(Number.isInteger(value) && (value as number) >= spec.minimum! && (value as number) <= spec.maximum!)) {
      problems.push({ field, message: `must be a whole number of ${spec.unit} from ${spec.minimum} to ${spec.maximum}` });
    }
  }
  const { minIntervalSeconds, alwaysKeepAfterSeconds } = settings as Partial<Record<string, unknown>>;
  if (typeof minIntervalSeconds === 'number' && typeof alwaysKeepAfterSeconds === 'number' && minIntervalSeconds > alwaysKeepAfterSeconds) {
    problems.push({ field: 'minIntervalSeconds', message: `(${minIntervalSeconds}) must not exceed alwaysKeepAfterSeconds (${alwaysKeepAfterSeconds})` });
  }
  return problems;
}

/**
 * An `overspeed` event needs the vehicle over its speed limit (a geofence's inside it, else its own)
 * on consecutive fixes for at least this long, so one noisy fix raises nothing.
 */
export const OVERSPEED_MIN_SECONDS = 15;

/**
 * How trips and stops are cut from history (Traccar's report settings, same meaning): ENVIRONMENTS'
 * defaults for `GET /vehicles/{id}/trips` and `/stops`, each overridable per request.
 */
export const TRIP_DEFAULTS = {
  /** A fix faster than this (km/h; from the fix's speed, else from the distance to the previous fix) is moving. */
  speedThresholdKmh: 3,
  /** Not moving at least this long is a stop (seconds). */
  minStopSeconds: 300,
  /** A movement shorter than this (metres) between two stops is no trip: the stops merge. */
  minTripMeters: 500,
  /** No fix for at least this long ends a trip (seconds): the gap is a stop. */
  maxGapSeconds: 3600,
} as const;
export type TripSettings = { -readonly [K in keyof typeof TRIP_DEFAULTS]: number };
