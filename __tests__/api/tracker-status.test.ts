import Redis from 'ioredis';
import { TRACKER_DEFAULTS } from '../../config/trackers';
import { sharedRedisUrl } from '../helpers/redis';
import { TestApp, cacheKeysOf, createVehicle, startTestApp } from '../helpers/test-app';

const MIN = 60_000;

/** Issue 12, part 3: whether a tracker is reporting, and nearby without day-old fixes. */
describe('tracker status and stale fixes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ redisUrl: await sharedRedisUrl() });
  });
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  /** A fix as the API stores it when it arrived `receivedAgo` ms ago (the service takes that arrival time). */
  const fix = async (id: string, lat: number, fixAgo: number, receivedAgo = fixAgo) => {
    const receivedAt = Date.now() - receivedAgo;
    const result = await t.services.ingest.ingest([{ vehicleId: id, field: '', input: { lat, lon: 3, timestamp: receivedAt - (fixAgo - receivedAgo) } }], receivedAt);
    expect(result.failed).toEqual([]);
  };

  test('unknown before any fix, online while fixes arrive, offline after the threshold; lastSeenAt is the newest arrival', async () => {
    const { id: never } = await createVehicle(t.app, { fleetId: 'status' });
    const { id: reporting } = await createVehicle(t.app, { fleetId: 'status' });
    const { id: silent } = await createVehicle(t.app, { fleetId: 'status' });
    await fix(reporting, 1, MIN);
    await fix(silent, 1, (TRACKER_DEFAULTS.offlineAfterMinutes + 5) * MIN);

    const view = async (id: string) => (await get(`/vehicles/${id}`)).json();
    expect(await view(never)).toMatchObject({ status: 'unknown', lastSeenAt: null });
    expect(await view(reporting)).toMatchObject({ status: 'online' });
    expect(Date.now() - Date.parse((await view(reporting)).lastSeenAt)).toBeLessThan(2 * MIN);
    expect(await view(silent)).toMatchObject({ status: 'offline' });

    const ids = async (status: string) => (await get(`/vehicles?fleetId=status&status=${status}`)).json().items.map((v: { id: string }) => v.id);
    expect(await ids('online')).toEqual([reporting]);
    expect(await ids('offline')).toEqual([silent]);
    expect(await ids('unknown')).toEqual([never]);
    // Every vehicle, without a fleet, through the scan.
    expect((await get('/vehicles?status=offline&limit=100')).json().items.map((v: { id: string }) => v.id)).toContain(silent);
    expect((await get('/vehicles?status=sleeping')).json().errors).toEqual([expect.objectContaining({ field: 'status' })]);
  });

  test('a tracker that sends only filtered fixes (a phone indoors, at 0,0) is still online; its latest position stays', async () => {
    const { id } = await createVehicle(t.app, { fleetId: 'indoors' });
    await fix(id, 48.1, (TRACKER_DEFAULTS.offlineAfterMinutes + 5) * MIN);
    expect((await get(`/vehicles/${id}`)).json()).toMatchObject({ status: 'offline' });
    const zero = await t.services.ingest.ingest([{ vehicleId: id, field: '', input: { lat: 0, lon: 0, timestamp: Date.now() - 1000 } }]);
    expect(zero).toMatchObject({ stored: 1, filtered: 1, failed: [] });
    const view = (await get(`/vehicles/${id}`)).json();
    expect(view).toMatchObject({ status: 'online', position: { lat: 48.1 } });
    expect(Date.now() - Date.parse(view.lastSeenAt)).toBeLessThan(MIN);
    expect((await get('/vehicles?fleetId=indoors&status=online')).json().items.map((v: { id: string }) => v.id)).toEqual([id]);
    // An older fix (a drained backlog) counts as seen too.
    const { id: backlog } = await createVehicle(t.app, { fleetId: 'indoors' });
    await fix(backlog, 48.2, (TRACKER_DEFAULTS.offlineAfterMinutes + 6) * MIN, (TRACKER_DEFAULTS.offlineAfterMinutes + 5) * MIN);
    expect((await get(`/vehicles/${backlog}`)).json()).toMatchObject({ status: 'offline' });
    await t.services.ingest.ingest([{ vehicleId: backlog, field: '', input: { lat: 48.3, lon: 3, timestamp: Date.now() - 30 * MIN } }]);
    expect((await get(`/vehicles/${backlog}`)).json()).toMatchObject({ status: 'online', position: { lat: 48.2 } });
  });

  test('nearby leaves out fixes older than maxAge (default from config), and maxAge widens it', async () => {
    const { id: fresh } = await createVehicle(t.app, { fleetId: 'aging' });
    const { id: stale } = await createVehicle(t.app, { fleetId: 'aging' });
    await fix(fresh, 44.0, MIN);
    await fix(stale, 44.001, (TRACKER_DEFAULTS.nearbyMaxAgeMinutes + 30) * MIN);
    // Both paths: Redis once its geo index is built, and DynamoDB (its ready key dropped before each call).
    const client = new Redis(t.config.redisUrl!);
    try {
      await get('/positions/nearby?lat=44&lon=3&radius=1000');
      await t.services.cache.geoRebuilt();
      for (const source of ['hit', 'bypass']) {
        const near = async (extra = '') => {
          if (source === 'bypass') await client.del(cacheKeysOf(t).geoReady);
          const response = await get(`/positions/nearby?lat=44&lon=3&radius=1000&fleetId=aging${extra}`);
          await t.services.cache.geoRebuilt();
          expect(response.headers['x-cache']).toBe(source);
          return response.json().items.map((i: { vehicleId: string }) => i.vehicleId);
        };
        expect(await near()).toEqual([fresh]);
        expect(await near(`&maxAge=${(TRACKER_DEFAULTS.nearbyMaxAgeMinutes + 60) * 60}`)).toEqual([fresh, stale]);
        expect(await near('&maxAge=30')).toEqual([]);
      }
    } finally {
      client.disconnect();
    }
  });
});
