import { ApiError, FieldError } from './errors';

/** How far ahead of the server clock a device clock may run. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** A tracker's fix stamped further ahead is acknowledged but not kept (history can go no further). */
export const MAX_FUTURE_KEPT_MS = 365 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** An ISO-8601 date-time with an explicit zone, or epoch milliseconds. */
export type TimestampInput = string | number;

export function parseTimestamp(value: TimestampInput): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(value);
  if (!parts) return undefined;
  // Date.parse rolls 2026-11-31 over to 1 December and 24:00 to the next day: reject, do not guess.
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((i) => Number(parts[i] ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Checks a position timestamp against the clock and the history retention. */
/**
 * Checks a position timestamp against the clock and the history retention. `rule` says which one
 * it broke: device routes store a `future` fix as filtered and acknowledge an `expired` one (it
 * would expire at once) instead of refusing them; a malformed one (`format`) is refused everywhere.
 */
export function checkPositionTimestamp(
  value: TimestampInput,
  field: string,
  now: number,
  retentionDays: number,
): { ms: number } | { error: FieldError; rule: 'format' | 'future' | 'expired'; ms?: number } {
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    return { rule: 'format', error: { field, message: 'must be an ISO-8601 date-time with a time zone or epoch milliseconds' } };
  }
  if (ms > now + MAX_FUTURE_SKEW_MS) {
    return { rule: 'future', ms, error: { field, message: `is more than 5 minutes in the future (server time ${new Date(now).toISOString()})` } };
  }
  if (ms < now - retentionDays * DAY_MS) {
    // 1.79e9 is 1970 in milliseconds but today in seconds: name the likely mistake instead of the retention.
    const asSeconds = typeof value === 'number' ? value * 1000 : undefined;
    if (asSeconds !== undefined && asSeconds >= now - retentionDays * DAY_MS && asSeconds <= now + MAX_FUTURE_SKEW_MS) {
      const message = `looks like epoch seconds (${new Date(asSeconds).toISOString()}); send epoch milliseconds (${asSeconds}) or an ISO-8601 date-time`;
      return { rule: 'format', error: { field, message } };
    }
    return { rule: 'expired', ms, error: { field, message: `is older than the ${retentionDays}-day history retention` } };
  }
  return { ms };
}

/** The largest epoch milliseconds a Date holds (ECMAScript: 100,000,000 days either side of 1970). */
export const MAX_DATE_MS = 8.64e15;
/** A query time clamped to the dates that exist: a range beyond anything storable still means "all of it". */
export const clampToDates = (ms: number) => Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, ms));

/** For query ranges (`from`, `to`): the same formats, no clock rules. */
export function parseQueryTimestamp(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : parseTimestamp(value);
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    const message = 'must be an ISO-8601 date-time or epoch milliseconds';
    throw ApiError.badRequest(`${field} ${message}`, [{ field, message }]);
  }
  return ms;
}
