import { Track, appendFixes } from '../../functions/api/map/client/track-window';

/** A track of fixes at these minutes past 10:00, each at (minute, 0) with speed = minute. */
const track = (minutes: number[], truncated = false): Track => ({
  coordinates: minutes.map((m) => [m, 0]),
  times: minutes.map((m) => `2026-11-29T10:${String(m).padStart(2, '0')}:00.000Z`),
  speeds: minutes,
  truncated,
});
const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;
const minutesOf = (t: Track) => t.speeds;

describe('the map track: new fixes added to the held ones', () => {
  test('new fixes follow the held ones; none older than the period; coordinates, times and speeds stay aligned', () => {
    const merged = appendFixes(track([1, 2, 3]), track([4, 5]), at(2), 100);
    expect(minutesOf(merged)).toEqual([2, 3, 4, 5]);
    expect(merged.coordinates).toEqual([[2, 0], [3, 0], [4, 0], [5, 0]]);
    expect(merged.times).toEqual([at(2), at(3), at(4), at(5)]);
    expect(merged.truncated).toBe(false);
  });

  test('past the cap, the oldest are dropped and the track says the period holds more', () => {
    const merged = appendFixes(track([1, 2, 3]), track([4, 5]), at(0), 3);
    expect(minutesOf(merged)).toEqual([3, 4, 5]);
    expect(merged.truncated).toBe(true);
  });

  test('a cut track stays cut while the period start drops none of it', () => {
    expect(appendFixes(track([5, 6], true), track([7]), at(0), 100).truncated).toBe(true);
  });

  test('a cut track is whole once the period start drops one of its fixes (all older ones are outside too)', () => {
    const merged = appendFixes(track([5, 6], true), track([7]), at(6), 100);
    expect(minutesOf(merged)).toEqual([6, 7]);
    expect(merged.truncated).toBe(false);
  });

  test('nothing left in the period: an empty track, not a cut one', () => {
    const merged = appendFixes(track([1, 2]), track([3]), at(9), 100);
    expect(merged).toEqual({ coordinates: [], times: [], speeds: [], truncated: false });
  });
});
