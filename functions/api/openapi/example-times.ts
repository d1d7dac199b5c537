/**
 * The instant the docs' examples are stamped with. A fixed date would age out of the history
 * retention (a fix older than it is refused), so /docs/json serves the examples moved forward by
 * whole days to just before the request: "Try it out" with an example always stores it.
 */
export const EXAMPLE_TIME_MS = Date.UTC(2026, 10, 29, 8, 15, 30, 250);

/** An example time `offsetSeconds` after the instant, as ISO-8601. */
export const exampleIso = (offsetSeconds = 0) => new Date(EXAMPLE_TIME_MS + offsetSeconds * 1000).toISOString();
/** The same as epoch seconds (OsmAnd's query form) or milliseconds. */
export const exampleEpochSeconds = (offsetSeconds = 0) => Math.floor(EXAMPLE_TIME_MS / 1000) + offsetSeconds;
export const exampleEpochMs = (offsetSeconds = 0) => EXAMPLE_TIME_MS + offsetSeconds * 1000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Example times lie within this of the instant; nothing else in the document does. */
const WINDOW = HOUR;

/** Whole days to move the examples by so that every one is in the past at `now`. */
export const exampleShiftDays = (now: number) => Math.floor((now - EXAMPLE_TIME_MS - WINDOW) / DAY);

/**
 * The document (as JSON text) with every example time, ISO or epoch seconds or milliseconds, moved
 * forward by whole days (the time of day stays, so the examples read the same).
 */
export function withCurrentExampleTimes(json: string, now: number): string {
  const shift = exampleShiftDays(now) * DAY;
  if (shift === 0) return json;
  const near = (ms: number) => Math.abs(ms - EXAMPLE_TIME_MS) <= WINDOW;
  return json
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z/g, (iso) => {
      const ms = Date.parse(iso);
      if (!near(ms)) return iso;
      const moved = new Date(ms + shift).toISOString();
      return iso.includes('.') ? moved : moved.replace(/\.\d{3}Z$/, 'Z');
    })
    .replace(/(?<![\d.])\d{10}(?:\d{3})?(?![\d.])/g, (digits) => {
      const ms = digits.length === 13 ? Number(digits) : Number(digits) * 1000;
      if (!near(ms)) return digits;
      return String(digits.length === 13 ? ms + shift : (ms + shift) / 1000);
    });
}
