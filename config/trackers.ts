/**
 * When a tracker counts as offline, and how old a fix nearby search still shows: the defaults every
 * environment starts from (ENVIRONMENTS[env].trackers), and what local runs use.
 */
export const TRACKER_DEFAULTS = {
  /** A vehicle whose newest fix arrived longer ago than this is `offline`. */
  offlineAfterMinutes: 10,
  /** `GET /positions/nearby` leaves out vehicles whose latest fix is older (its `maxAge` overrides). */
  nearbyMaxAgeMinutes: 60,
  /** A fix whose accuracy radius is larger (metres) is stored as filtered (`low-accuracy`). */
  maxAccuracyMeters: 1000,
} as const;
