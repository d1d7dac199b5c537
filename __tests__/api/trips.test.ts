import { TestApp, createVehicle, iso, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const MIN = 60_000;

describe('GET /vehicles/{id}/trips and /stops', () => {
  const start = Date.now() - 3 * 60 * MIN;
  /** Parked 10 min, 5 km north in 10 min, parked 10 min: fixes every minute. */
  async function drivenVehicle(): Promise<string> {
    const { id } = await createVehicle(t.app);
    const fixes = [];
    let lat = 52;
    for (let minute = 0; minute <= 30; minute++) {
      const moving = minute > 10 && minute <= 20;
      if (moving) lat += 500 / 111_195;
      fixes.push({ lat, lon: 5, speed: moving ? 30 : 0, timestamp: iso(start + minute * MIN) });
    }
    expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).statusCode).toBe(200);
    return id;
  }
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  test('one trip between two stops, with distance, duration and speeds; the settings used are echoed', async () => {
    const id = await drivenVehicle();
    const trips = await get(`/vehicles/${id}/trips?from=${start}`);
    expect(trips.statusCode).toBe(200);
    expect(trips.json().items).toEqual([
      expect.objectContaining({ start: expect.objectContaining({ timestamp: iso(start + 10 * MIN) }), end: expect.objectContaining({ timestamp: iso(start + 20 * MIN) }), durationSeconds: 600, distanceMeters: 5000, maxSpeedKmh: 30, averageSpeedKmh: 30 }),
    ]);
    expect(trips.json().settings).toEqual({ speedThresholdKmh: 3, minStopSeconds: 300, minTripMeters: 500, maxGapSeconds: 3600 });
    const stops = (await get(`/vehicles/${id}/stops?from=${start}`)).json().items;
    expect(stops.map((s: { durationSeconds: number; noData: boolean }) => [s.durationSeconds, s.noData])).toEqual([[600, false], [600, false]]);
    // A stricter trip length: no trip, one long stop.
    const strict = (await get(`/vehicles/${id}/stops?from=${start}&minTripMeters=10000`)).json().items;
    expect(strict.map((s: { durationSeconds: number }) => s.durationSeconds)).toEqual([1800]);
  });

  test('bad ranges and settings are a 400 naming the field; an unknown vehicle is a 404', async () => {
    const id = await drivenVehicle();
    const field = async (url: string) => (await get(url)).json().errors?.[0]?.field;
    expect(await field(`/vehicles/${id}/trips?from=${Date.now() - 8 * 24 * 60 * MIN}`)).toBe('from');
    expect(await field(`/vehicles/${id}/trips?from=${Date.now()}&to=${Date.now() - MIN}`)).toBe('from');
    expect(await field(`/vehicles/${id}/trips?minStopSeconds=1`)).toBe('minStopSeconds');
    expect(await field(`/vehicles/${id}/stops?speedThresholdKmh=fast`)).toBe('speedThresholdKmh');
    expect(await field(`/vehicles/${id}/stops?colour=red`)).toBe('colour');
    expect((await get('/vehicles/nobody/trips')).statusCode).toBe(404);
  });
});
