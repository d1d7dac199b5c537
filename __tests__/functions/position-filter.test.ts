import { POSITION_FILTER_DEFAULTS } from '../../config/trackers';
import { thinTrack, thinning } from '../../functions/api/domain/position-filter';

const every30s = { ...POSITION_FILTER_DEFAULTS, minIntervalSeconds: 30 };
const fix = (s: number, lat = 1) => ({ ts: s * 1000, lat, lon: 1 });

describe('thinning decisions', () => {
  test('the same time at another place is a correction (it replaces the stored fix), not a duplicate', () => {
    expect(thinning(fix(100), fix(100), every30s)).toBe('duplicate');
    expect(thinning(fix(100), fix(100, 2), every30s)).toBeUndefined();
  });

  test('nothing to compare with, or older than the last kept fix: kept', () => {
    expect(thinning(undefined, fix(100), every30s)).toBeUndefined();
    expect(thinning(fix(100), fix(90), every30s)).toBeUndefined();
  });

  test('a track is thinned oldest first, each against the last fix kept, not the last seen', () => {
    const track = [fix(40), fix(0), fix(20), fix(10), fix(30), fix(60)];
    const verdicts = thinTrack(undefined, track, every30s);
    // 0 kept; 10, 20 too soon; 30 kept (30 s after 0); 40 too soon; 60 kept.
    expect(track.map((f) => verdicts.get(f) ?? 'kept')).toEqual(['too-soon', 'kept', 'too-soon', 'too-soon', 'kept', 'kept']);
  });

  test('the latest position starts the chain: a backlog older than it is left alone', () => {
    const track = [fix(50), fix(70), fix(95), fix(110)];
    const verdicts = thinTrack(fix(100), track, every30s);
    expect(track.map((f) => verdicts.get(f) ?? 'kept')).toEqual(['kept', 'kept', 'kept', 'too-soon']);
  });
});
