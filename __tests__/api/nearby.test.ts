import Redis from 'ioredis';
import { distanceMeters, coveringCells, geohash } from '../../functions/api/domain/geo';
import { GEO_CELL_PRECISION } from '../../config/tables';
import { GEO_INDEX_TTL_MS } from '../../functions/api/services/position-cache';
import { ThrowawayRedis } from '../helpers/redis';
import { TestApp, cacheKeysOf, createVehicle, startTestApp } from '../helpers/test-app';

const NOW = Date.now();
const MIN = 60_000;

describe('distance and cells', () => {
  test('hand-computed great-circle distances', () => {
    // One degree of latitude on the mean-radius sphere: 2πR/360.
    expect(distanceMeters(0, 0, 1, 0)).toBeCloseTo((2 * Math.PI * 6_371_008.8) / 360, 1);
    // One degree of longitude at 60° is half of that.
    expect(distanceMeters(60, 0, 60, 1)).toBeCloseTo(((2 * Math.PI * 6_371_008.8) / 360) * Math.cos(Math.PI / 3), -1);
    // Across the antimeridian: 0.02° of longitude at the equator, not 359.98°.
    expect(distanceMeters(0, 179.99, 0, -179.99)).toBeCloseTo(2223.9, 0);
    expect(distanceMeters(52.37, 4.89, 52.37, 4.89)).toBe(0);
  });

  test('covering cells reach across the antimeridian and around a pole', () => {
    const east = geohash(0, 179.99, GEO_CELL_PRECISION);
    const west = geohash(0, -179.99, GEO_CELL_PRECISION);
    expect(east).not.toBe(west);
    expect(coveringCells(0, 179.99, 5000, GEO_CELL_PRECISION, 48)).toEqual(expect.arrayContaining([east, west]));
    const polar = coveringCells(89.99, 0, 5000, GEO_CELL_PRECISION, 1000)!;
    expect(polar).toEqual(expect.arrayContaining([geohash(89.995, 90, GEO_CELL_PRECISION), geohash(89.995, -170, GEO_CELL_PRECISION)]));
  });
});

describe('GET /positions/nearby', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  let client: Redis;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ redisUrl: redis.url });
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await t.close();
    await redis.stop();
  });

  const place = async (fleetId: string, lat: number, lon: number, ts = NOW - MIN) => {
    const { id } = await createVehicle(t.app, { fleetId });
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon, timestamp: ts } });
    expect(response.statusCode).toBe(200);
    return id;
  };
  const nearby = (query: string) => t.app.inject({ method: 'GET', url: `/positions/nearby?${query}` });
  /** Asks both paths: Redis (warm index) and DynamoDB (index dropped), and returns both answers. */
  const bothPaths = async (query: string) => {
    await nearby(query); // warms the index if cold
    await t.services.cache.geoRebuilt();
    const cached = await nearby(query);
    await client.del(cacheKeysOf(t).geoReady);
    const database = await nearby(query);
    await t.services.cache.geoRebuilt();
    return { cached, database };
  };

  test('nearest first with distances; Redis and DynamoDB give the same answer', async () => {
    const a = await place('ams', 52.3700, 4.8900);
    const b = await place('ams', 52.3790, 4.9000); // ~1.2 km away
    await place('ams', 52.0907, 5.1214); // Utrecht, ~35 km: outside
    const { cached, database } = await bothPaths('lat=52.37&lon=4.89&radius=5000&fleetId=ams');
    expect(cached.headers['x-cache']).toBe('hit');
    expect(database.headers['x-cache']).toBe('bypass');
    expect(cached.json()).toEqual(database.json());
    const items = cached.json().items;
    expect(items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual([a, b]);
    expect(items[0].distanceMeters).toBe(0);
    expect(items[1].distanceMeters).toBe(distanceMeters(52.37, 4.89, 52.379, 4.9));
    expect(items[1].position).toMatchObject({ lat: 52.379, lon: 4.9 });
  });

  test('the index is trusted for at most GEO_INDEX_TTL_MS after a rebuild, then rebuilt from DynamoDB', async () => {
    await place('ttl', 11, 11);
    await bothPaths('lat=11&lon=11&radius=100&fleetId=ttl');
    const ttl = await client.pttl(cacheKeysOf(t).geoReady);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(GEO_INDEX_TTL_MS);
  });

  test('across the antimeridian: a search at lon 179.99 finds a vehicle at lon -179.99', async () => {
    const west = await place('dateline', -16.5, -179.99);
    const { cached, database } = await bothPaths('lat=-16.5&lon=179.99&radius=3000&fleetId=dateline');
    for (const response of [cached, database]) {
      expect(response.json().items).toEqual([expect.objectContaining({ vehicleId: west, distanceMeters: distanceMeters(-16.5, 179.99, -16.5, -179.99) })]);
    }
  });

  test('near the poles (beyond what Redis GEO can index) the database answers correctly', async () => {
    const pole = await place('arctic', 89.995, 120);
    const across = await place('arctic', 89.995, -60); // on the other side of the pole, ~1.1 km away
    const response = await nearby('lat=89.995&lon=120&radius=2000&fleetId=arctic');
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual([pole, across]);
  });

  test('cell borders: vehicles on both sides of a cell edge are found', async () => {
    // 1.40625° cells: 45.0 is an edge of latitude cells; the two are 222 m apart across it.
    const north = await place('border', 45.001, 2.0);
    const south = await place('border', 44.999, 2.0);
    expect(geohash(45.001, 2.0, GEO_CELL_PRECISION)).not.toBe(geohash(44.999, 2.0, GEO_CELL_PRECISION));
    const { cached, database } = await bothPaths('lat=45.0005&lon=2.0&radius=500&fleetId=border');
    expect(cached.json()).toEqual(database.json());
    expect(cached.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual([north, south]);
  });

  test('only the latest position counts: an older one arriving later does not move the vehicle back', async () => {
    const id = await place('ooo', 10.0, 10.0, NOW - MIN);
    await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 10.5, lon: 10.5, timestamp: NOW - 5 * MIN } });
    for (const response of Object.values(await bothPaths('lat=10.0&lon=10.0&radius=1000&fleetId=ooo'))) {
      expect(response.json().items).toEqual([expect.objectContaining({ vehicleId: id, distanceMeters: 0 })]);
    }
    const old = await bothPaths('lat=10.5&lon=10.5&radius=1000&fleetId=ooo');
    expect(old.cached.json().items).toEqual([]);
    expect(old.database.json().items).toEqual([]);
  });

  test('limit, fleet filter and deletion', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await place('many', 30 + i * 0.001, 30));
    await place('other', 30, 30);
    const limited = await bothPaths('lat=30&lon=30&radius=2000&limit=3&fleetId=many');
    expect(limited.cached.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual(ids.slice(0, 3));
    expect(limited.database.json()).toEqual(limited.cached.json());
    await t.app.inject({ method: 'DELETE', url: `/vehicles/${ids[0]}` });
    const after = await bothPaths('lat=30&lon=30&radius=2000&limit=3&fleetId=many');
    expect(after.cached.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual(ids.slice(1, 4));
    expect(after.database.json()).toEqual(after.cached.json());
  });

  test('a fleet\'s vehicles behind a crowd of another fleet\'s nearer ones are still found, nearest first', async () => {
    // 60 nearer vehicles of another fleet: more than a first COUNT of limit + slack can reach past.
    const batch = [];
    for (let i = 0; i < 60; i++) {
      const { id } = await createVehicle(t.app, { fleetId: 'crowd' });
      batch.push({ vehicleId: id, lat: 25 + i * 0.00001, lon: 25, timestamp: NOW - MIN });
    }
    expect((await t.app.inject({ method: 'POST', url: '/positions', payload: batch })).statusCode).toBe(200);
    const far = [await place('behind', 25.01, 25), await place('behind', 25.02, 25), await place('behind', 25.03, 25)];
    const found = await bothPaths('lat=25&lon=25&radius=5000&limit=2&fleetId=behind');
    expect(found.cached.headers['x-cache']).toBe('hit');
    expect(found.cached.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual(far.slice(0, 2));
    expect(found.database.json()).toEqual(found.cached.json());
    const anyFleet = await bothPaths('lat=25&lon=25&radius=5000&limit=5');
    expect(anyFleet.database.json()).toEqual(anyFleet.cached.json());
    expect(anyFleet.cached.json().items).toHaveLength(5);
  });

  test('a vehicle moved to another fleet is found under the new fleet only', async () => {
    const id = await place('before', 20, 20);
    await t.app.inject({ method: 'PATCH', url: `/vehicles/${id}`, payload: { fleetId: 'after' } });
    for (const response of Object.values(await bothPaths('lat=20&lon=20&radius=100&fleetId=after'))) {
      expect(response.json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual([id]);
    }
    expect((await nearby('lat=20&lon=20&radius=100&fleetId=before')).json().items).toEqual([]);
  });

  test.each([
    ['lon=1&radius=10', 'lat', 'is required'],
    ['lat=91&lon=1&radius=10', 'lat', 'must be <= 90'],
    ['lat=1&lon=181&radius=10', 'lon', 'must be <= 180'],
    ['lat=1&lon=1&radius=0', 'radius', 'must be > 0'],
    ['lat=1&lon=1&radius=100001', 'radius', 'must be <= 100000'],
    ['lat=1&lon=1&radius=10&limit=101', 'limit', 'must be <= 100'],
    ['lat=1&lon=1&radius=10&limit=0', 'limit', 'must be >= 1'],
  ])('?%s is a 400 naming %s', async (query, field, message) => {
    const response = await nearby(query);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toContainEqual({ field, message });
  });
});

describe('nearby without Redis', () => {
  test('answers from DynamoDB', async () => {
    const t = await startTestApp();
    try {
      const { id } = await createVehicle(t.app, { fleetId: 'x' });
      await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 1, lon: 1, timestamp: NOW - MIN } });
      const response = await t.app.inject({ method: 'GET', url: '/positions/nearby?lat=1&lon=1&radius=10' });
      expect(response.headers['x-cache']).toBe('bypass');
      expect(response.json().items).toEqual([expect.objectContaining({ vehicleId: id, distanceMeters: 0 })]);
    } finally {
      await t.close();
    }
  });
});
