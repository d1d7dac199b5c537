import { eventually } from '../helpers/eventually';
import { ThrowawayRedis } from '../helpers/redis';
import { TcpProxy } from '../../functions/local/faults/tcp-proxy';
import { TestApp, createVehicle, startTestApp } from '../helpers/test-app';

const NOW = Date.now();
const MIN = 60_000;


describe('Redis going away and coming back (a throwaway redis-server)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as object });

  test('every endpoint answers correctly from DynamoDB while Redis is down, then the cache is used again', async () => {
    const { id } = await createVehicle(t.app, { fleetId: 'outage' });
    await post(`/vehicles/${id}/positions`, { lat: 1, lon: 1, timestamp: NOW - 3 * MIN });
    expect((await get(`/vehicles/${id}/position`)).headers['x-cache']).toBe('hit');

    await redis.stop();

    // Writes and reads keep working, within a bounded time, with correct answers.
    const started = Date.now();
    const write = await post(`/vehicles/${id}/positions`, [{ lat: 2, lon: 2, timestamp: NOW - 2 * MIN }]);
    expect(write.statusCode).toBe(200);
    const latest = await get(`/vehicles/${id}/position`);
    expect(latest.statusCode).toBe(200);
    expect(latest.headers['x-cache']).toBe('bypass');
    expect(latest.json().lat).toBe(2);
    expect((await get(`/vehicles/${id}`)).json().position.lat).toBe(2);
    expect((await get('/vehicles?fleetId=outage')).json().items).toHaveLength(1);
    expect((await get(`/vehicles/${id}/positions`)).json().items.map((p: { lat: number }) => p.lat)).toEqual([1, 2]);
    const other = await createVehicle(t.app);
    expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${other.id}` })).statusCode).toBe(204);
    expect(Date.now() - started).toBeLessThan(5000);

    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'degraded', dynamodb: { status: 'up' }, cache: { status: 'degraded' } });

    // A newer position arrives while Redis is down: the cache must not serve the old one later.
    await post(`/vehicles/${id}/positions`, { lat: 3, lon: 3, timestamp: NOW - MIN });

    await redis.resume();
    await eventually(async () => (await get('/health/ready')).json().status === 'ready');

    // Back: the stale entry was dropped, the first read refills from DynamoDB, the next is a hit.
    await eventually(async () => (await get(`/vehicles/${id}/position`)).headers['x-cache'] !== 'bypass');
    const afterwards = await get(`/vehicles/${id}/position`);
    expect(afterwards.headers['x-cache']).toBe('hit');
    expect(afterwards.json().lat).toBe(3);

    await post(`/vehicles/${id}/positions`, { lat: 4, lon: 4, timestamp: NOW - MIN / 2 });
    const fresh = await get(`/vehicles/${id}/position`);
    expect(fresh.headers['x-cache']).toBe('hit');
    expect(fresh.json().lat).toBe(4);
  });
});

describe('Redis hanging (frozen with its data) and recovering', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  test('commands time out quickly and reads stay correct during and after the hang', async () => {
    const { id } = await createVehicle(t.app);
    const post = (lat: number, ts: number) =>
      t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 0, timestamp: ts } });
    const get = () => t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    await post(1, NOW - 3 * MIN);
    expect((await get()).headers['x-cache']).toBe('hit');

    redis.freeze();
    const started = Date.now();
    expect((await post(2, NOW - 2 * MIN)).statusCode).toBe(200); // the write-through times out
    expect(Date.now() - started).toBeLessThan(2000);
    const during = await get();
    expect(during.json().lat).toBe(2);
    expect(during.headers['x-cache']).toBe('bypass');

    redis.thaw(); // Redis still holds lat 1 for this vehicle
    await eventually(async () => (await get()).headers['x-cache'] === 'hit');
    expect((await get()).json().lat).toBe(2);
  });
});

describe('a network partition between the app and a Redis that keeps its data (deletes, moves and writes in the gap)', () => {
  let redis: ThrowawayRedis;
  let link: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    link = await TcpProxy.start(redis.port);
    t = await startTestApp({ redisUrl: link.url });
  });
  afterAll(async () => {
    await t.close();
    await link.cut();
    await redis.stop();
  });

  test('positions written during the partition are never hidden behind the stale cached one', async () => {
    const { id } = await createVehicle(t.app);
    const post = (lat: number, ts: number) =>
      t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 0, timestamp: ts } });
    const get = () => t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    await post(1, NOW - 3 * MIN);
    expect((await get()).headers['x-cache']).toBe('hit');

    await link.cut();
    expect((await post(2, NOW - 2 * MIN)).statusCode).toBe(200);
    expect((await get()).json().lat).toBe(2);

    await link.restore(); // Redis still holds lat 1 for this vehicle
    await eventually(async () => (await t.app.inject({ method: 'GET', url: '/health/ready' })).json().status === 'ready');
    for (let i = 0; i < 3; i++) expect((await get()).json().lat).toBe(2);
    await eventually(async () => (await get()).headers['x-cache'] === 'hit');
    expect((await get()).json().lat).toBe(2);
  });

  // The same fixture: the geo index after a partition in which vehicles were deleted or moved.
  test('a vehicle deleted, or moved to another fleet, while Redis was unreachable is not served from the index afterwards', async () => {
    const place = async (fleetId: string, lat: number) => {
      const { id } = await createVehicle(t.app, { fleetId });
      await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 7, timestamp: NOW - MIN } });
      return id;
    };
    const gone = await place('geo-a', 40.0);
    const moved = await place('geo-a', 40.001);
    const stays = await place('geo-a', 40.002);
    const nearby = (fleetId: string) => t.app.inject({ method: 'GET', url: `/positions/nearby?lat=40&lon=7&radius=1000&fleetId=${fleetId}` });
    const ids = (response: { json(): { items: { vehicleId: string }[] } }) => response.json().items.map((i) => i.vehicleId);
    await eventually(async () => (await nearby('geo-a')).headers['x-cache'] === 'hit');
    expect(ids(await nearby('geo-a'))).toEqual([gone, moved, stays]);

    await link.cut();
    expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${gone}` })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'PATCH', url: `/vehicles/${moved}`, payload: { fleetId: 'geo-b' } })).statusCode).toBe(200);
    await link.restore();

    // Once the index is trusted again (x-cache: hit), it says what DynamoDB says.
    await eventually(async () => (await nearby('geo-a')).headers['x-cache'] === 'hit' && (await nearby('geo-b')).headers['x-cache'] === 'hit');
    for (let i = 0; i < 3; i++) {
      expect(ids(await nearby('geo-a'))).toEqual([stays]);
      expect(ids(await nearby('geo-b'))).toEqual([moved]);
    }
  });
});

describe('Redis restored from an older snapshot (or failed over to a lagging replica)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  test('no position older than DynamoDB\'s is served as a hit after Redis goes back in time', async () => {
    const { id } = await createVehicle(t.app, { fleetId: 'snap' });
    const post = (lat: number, ts: number) => t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 3, timestamp: ts } });
    const get = () => t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    const nearby = (lat: number) => t.app.inject({ method: 'GET', url: `/positions/nearby?lat=${lat}&lon=3&radius=500&fleetId=snap` });
    await post(1, NOW - 3 * MIN);
    await eventually(async () => (await nearby(1)).headers['x-cache'] === 'hit');
    await redis.snapshot(); // Redis now holds lat 1
    await post(2, NOW - 2 * MIN);
    expect((await get()).headers['x-cache']).toBe('hit');

    await redis.restoreSnapshot(); // back to lat 1, with its clock behind what this process saw
    await eventually(async () => (await t.app.inject({ method: 'GET', url: '/health/ready' })).json().status === 'ready');
    for (let i = 0; i < 3; i++) {
      const latest = await get();
      expect(latest.json().lat).toBe(2);
    }
    await eventually(async () => (await get()).headers['x-cache'] === 'hit');
    expect((await get()).json().lat).toBe(2);
    // The geo index is rebuilt from DynamoDB too: the vehicle is at lat 2, not lat 1.
    await eventually(async () => (await nearby(2)).headers['x-cache'] === 'hit');
    expect((await nearby(2)).json().items.map((i: { vehicleId: string }) => i.vehicleId)).toEqual([id]);
    expect((await nearby(1)).json().items).toEqual([]);
  });
});

describe('an instance that only reads, when Redis comes back from an older snapshot after the writer is gone', () => {
  test('does not serve the older position as a hit (a new Redis server process is noticed by every instance)', async () => {
    const redis = await ThrowawayRedis.start();
    const writer = await startTestApp({ redisUrl: redis.url });
    const reader = await startTestApp({ redisUrl: redis.url, shareWith: writer });
    try {
      const { id } = await createVehicle(writer.app);
      const post = (lat: number, ts: number) => writer.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 0, timestamp: ts } });
      const read = () => reader.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
      await post(1, NOW - 3 * MIN);
      await redis.snapshot();
      await post(2, NOW - 2 * MIN);
      expect((await read()).headers['x-cache']).toBe('hit'); // the reader never wrote to Redis
      await writer.services.cache.close(); // the writer's container is scaled in: it never reconnects

      await redis.restoreSnapshot();
      await eventually(async () => (await reader.app.inject({ method: 'GET', url: '/health/ready' })).json().status === 'ready');
      for (let i = 0; i < 3; i++) expect((await read()).json().lat).toBe(2);
    } finally {
      await reader.close();
      await writer.close();
      await redis.stop();
    }
  });
});

describe('two instances sharing one Redis, one of them cut off while it writes', () => {
  let redis: ThrowawayRedis;
  let link: TcpProxy;
  let writer: TestApp;
  let reader: TestApp;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    link = await TcpProxy.start(redis.port);
    writer = await startTestApp({ redisUrl: link.url });
    // The reader shares the writer's tables and Redis (another Lambda container of the same stage).
    reader = await startTestApp({ redisUrl: redis.url, shareWith: writer });
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    await link.cut();
    await redis.stop();
  });

  test('the other instance serves the older entry only until the writer reaches Redis again', async () => {
    const { id } = await createVehicle(writer.app);
    const post = (lat: number, ts: number) => writer.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 0, timestamp: ts } });
    const read = () => reader.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
    await post(1, NOW - 3 * MIN);
    expect((await read()).json()).toMatchObject({ lat: 1 });
    expect((await read()).headers['x-cache']).toBe('hit');

    await link.cut();
    expect((await post(2, NOW - 2 * MIN)).statusCode).toBe(200); // stored; its write-through failed
    expect((await writer.app.inject({ method: 'GET', url: `/vehicles/${id}/position` })).json().lat).toBe(2); // never stale for the writer
    expect((await read()).json().lat).toBe(1); // the contract's rule 5: bounded by expiry, or by ...

    await link.restore(); // ... the writer reconnecting, which deletes the entry it failed to update
    await eventually(async () => (await read()).json().lat === 2);
    await eventually(async () => (await read()).headers['x-cache'] === 'hit');
    expect((await read()).json().lat).toBe(2);
  });
});

describe('Redis that never answers', () => {
  test('the app starts and serves from DynamoDB; readiness says the cache is degraded', async () => {
    const t = await startTestApp({ redisUrl: 'redis://127.0.0.1:9' });
    try {
      const { id } = await createVehicle(t.app);
      expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 5, lon: 5, timestamp: NOW - MIN } })).statusCode).toBe(200);
      const latest = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/position` });
      expect(latest.json().lat).toBe(5);
      expect(latest.headers['x-cache']).toBe('bypass');
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).json().cache.status).toBe('degraded');
    } finally {
      await t.close();
    }
  });
});
