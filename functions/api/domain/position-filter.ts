/**
 * Position filtering as pure decisions (the settings: config/trackers.ts). Plausibility looks at one
 * fix; thinning compares a fix with the last kept fix of its vehicle, oldest first.
 */
import type { PositionFilterSettings } from '../../../config/trackers';
import { distanceMeters } from './geo';
import type { FilterReason, Position } from './position';

/** What plausibility needs of a fix as sent. */
export interface FixAsSent {
  readonly lat: number;
  readonly lon: number;
  readonly accuracy?: number;
  /** The device's own verdict (OsmAnd `valid`). */
  readonly valid?: boolean;
  /** Measurements out of any plausible range, already dropped. */
  readonly outOfRange?: readonly string[];
}

/** Why a fix cannot be trusted as a location, if it cannot. */
export function implausibility(fix: FixAsSent, settings: PositionFilterSettings): FilterReason | undefined {
  if (settings.filterInvalid && fix.valid === false) return 'invalid-fix';
  if (fix.outOfRange?.length) return 'out-of-range';
  if (settings.filterZero && fix.lat === 0 && fix.lon === 0) return 'zero-fix';
  if (fix.accuracy !== undefined && fix.accuracy > settings.maxAccuracyMeters) return 'low-accuracy';
  return undefined;
}

/** A fix kept as a location: what thinning compares with (a Position's measurements). */
export type KeptFix = Pick<Position, 'ts' | 'lat' | 'lon' | 'speed' | 'heading' | 'altitude' | 'accuracy' | 'attributes'>;

/** The same fix sent again: every measurement equal (the arrival time aside). */
export function sameFix(a: KeptFix, b: KeptFix): boolean {
  const attributes = (fix: KeptFix) => JSON.stringify(Object.entries(fix.attributes ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
  return (
    a.ts === b.ts && a.lat === b.lat && a.lon === b.lon && a.speed === b.speed && a.heading === b.heading &&
    a.altitude === b.altitude && a.accuracy === b.accuracy && attributes(a) === attributes(b)
  );
}

/**
 * `duplicate`: the last kept fix resent (every measurement equal): history holds it already, nothing
 * is written. `too-soon` / `too-close`: stored as filtered. undefined: kept. A fix older than the last
 * kept one (a late backlog) is never thinned: it fills history and cannot become the latest anyway.
 */
export type Thinning = 'duplicate' | Extract<FilterReason, 'too-soon' | 'too-close'>;

export function thinning(previous: KeptFix | undefined, fix: KeptFix, settings: PositionFilterSettings): Thinning | undefined {
  if (!previous || fix.ts < previous.ts) return undefined;
  // Same time, other values: a correction, which replaces the stored fix (same history key).
  if (fix.ts === previous.ts) return sameFix(fix, previous) ? 'duplicate' : undefined;
  const gap = fix.ts - previous.ts;
  if (gap >= settings.alwaysKeepAfterSeconds * 1000) return undefined;
  if (gap < settings.minIntervalSeconds * 1000) return 'too-soon';
  if (settings.minDistanceMeters === 0 && !settings.accuracyBased) return undefined;
  const moved = distanceMeters(previous.lat, previous.lon, fix.lat, fix.lon);
  if (moved < settings.minDistanceMeters) return 'too-close';
  // Both radii known: a move inside the measurement error is no move (Amazon Location's AccuracyBased).
  if (settings.accuracyBased && fix.accuracy !== undefined && previous.accuracy !== undefined && moved < fix.accuracy + previous.accuracy) return 'too-close';
  return undefined;
}

/**
 * Thins one vehicle's fixes, in timestamp order, each against the last one kept (starting from
 * `previous`, its latest position): fix → reason, for those not kept.
 */
export function thinTrack<T extends KeptFix>(previous: KeptFix | undefined, fixes: readonly T[], settings: PositionFilterSettings): Map<T, Thinning> {
  const verdicts = new Map<T, Thinning>();
  let last = previous;
  for (const fix of [...fixes].sort((a, b) => a.ts - b.ts)) {
    const verdict = thinning(last, fix, settings);
    if (verdict) verdicts.set(fix, verdict);
    else if (!last || fix.ts >= last.ts) last = fix;
  }
  return verdicts;
}
