/** A selected vehicle's fixes in time order, as the map holds them. */
export interface Track {
  readonly coordinates: [number, number][];
  readonly times: string[];
  readonly speeds: (number | null)[];
  /** The period holds fixes older than these: one read brought the newest (or a refresh, the first) only. */
  readonly truncated: boolean;
}

/**
 * A held track and the fixes that came after it, as one: those older than `cutoff` (the period's
 * start) dropped, then the oldest beyond `max`. Truncated when the cap dropped any, or when the held
 * track was and the cutoff dropped none (had it dropped one, everything older is outside the period).
 */
export function appendFixes(held: Track, fresh: Track, cutoff: string, max: number): Track {
  const times = [...held.times, ...fresh.times];
  const firstInPeriod = times.findIndex((time) => time >= cutoff);
  const inPeriod = firstInPeriod < 0 ? times.length : firstInPeriod;
  const from = Math.max(inPeriod, times.length - max);
  return {
    coordinates: [...held.coordinates, ...fresh.coordinates].slice(from),
    times: times.slice(from),
    speeds: [...held.speeds, ...fresh.speeds].slice(from),
    truncated: from > inPeriod || (held.truncated && inPeriod === 0),
  };
}
