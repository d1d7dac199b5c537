import { TRIP_DEFAULTS, TripSettings } from '../../config/trackers';
import { TrackFix, TripDetector } from '../../functions/api/domain/trips';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 29, 8, 0, 0);
const at = (minute: number) => new Date(T0 + minute * MIN).toISOString();

/** A day's track: fixes every minute, parked or driving north at a speed (km/h). */
function track(legs: { minutes: number; kmh: number }[]): TrackFix[] {
  const fixes: TrackFix[] = [];
  let [minute, lat] = [0, 52];
  fixes.push({ ts: T0, lat, lon: 5, speed: 0 });
  for (const { minutes, kmh } of legs) {
    for (let i = 0; i < minutes; i++) {
      minute += 1;
      lat += (kmh * 1000) / 60 / 111_195; // metres per minute, in degrees of latitude
      fixes.push({ ts: T0 + minute * MIN, lat, lon: 5, speed: kmh });
    }
  }
  return fixes;
}
const detect = (fixes: TrackFix[], settings: TripSettings = { ...TRIP_DEFAULTS }) => {
  const detector = new TripDetector({ ...settings });
  fixes.forEach((fix) => detector.add(fix));
  return detector.finish();
};

describe('trips and stops (Traccar\'s semantics)', () => {
  test('parked, a drive, parked, a short shunt, parked, a drive: two stops, two trips; the shunt joins the stops', () => {
    const { trips, stops } = detect(track([
      { minutes: 10, kmh: 0 },
      { minutes: 10, kmh: 30 }, // 5 km
      { minutes: 10, kmh: 0 },
      { minutes: 1, kmh: 12 }, // 200 m: no trip
      { minutes: 10, kmh: 0 },
      { minutes: 6, kmh: 30 }, // 3 km, still under way at the end
    ]));
    expect(stops.map((s) => [s.start.timestamp, s.end.timestamp, s.durationSeconds])).toEqual([
      [at(0), at(10), 600],
      [at(20), at(41), 1260],
    ]);
    expect(trips.map((t) => [t.start.timestamp, t.end.timestamp, t.distanceMeters, t.maxSpeedKmh, t.averageSpeedKmh])).toEqual([
      [at(10), at(20), 5000, 30, 30],
      [at(41), at(47), 3000, 30, 30],
    ]);
  });

  test('a pause shorter than the minimum stop is part of the trip', () => {
    const { trips, stops } = detect(track([{ minutes: 5, kmh: 60 }, { minutes: 3, kmh: 0 }, { minutes: 5, kmh: 60 }]));
    expect(stops).toEqual([]);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ durationSeconds: 13 * 60, distanceMeters: 10_000, maxSpeedKmh: 60 });
    expect(trips[0].averageSpeedKmh).toBeCloseTo(46.2, 1);
  });

  test('a gap in the data longer than maxGapSeconds ends the trip and is a stop marked noData', () => {
    const before = track([{ minutes: 10, kmh: 30 }]);
    const after = track([{ minutes: 10, kmh: 30 }]).map((fix) => ({ ...fix, ts: fix.ts + 3 * 60 * MIN, lat: fix.lat + 0.1 }));
    const { trips, stops } = detect([...before, ...after]);
    expect(stops).toEqual([expect.objectContaining({ start: expect.objectContaining({ timestamp: at(10) }), end: expect.objectContaining({ timestamp: at(180) }), noData: true })]);
    expect(trips.map((t) => [t.start.timestamp, t.end.timestamp])).toEqual([[at(0), at(10)], [at(180), at(190)]]);
  });

  test('without speeds, speed comes from the distance between fixes; settings change the verdicts', () => {
    const noSpeed = track([{ minutes: 10, kmh: 0 }, { minutes: 10, kmh: 30 }]).map(({ speed: _speed, ...fix }) => fix);
    expect(detect(noSpeed).trips).toEqual([expect.objectContaining({ distanceMeters: 5000, maxSpeedKmh: 30 })]);
    expect(detect(noSpeed, { ...TRIP_DEFAULTS, minTripMeters: 6000 }).trips).toEqual([]);
    expect(detect(noSpeed, { ...TRIP_DEFAULTS, speedThresholdKmh: 40 }).trips).toEqual([]);
  });
});
