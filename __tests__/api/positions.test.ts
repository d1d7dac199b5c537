import Redis from 'ioredis';
import { sharedRedisUrl } from '../helpers/redis';
import { TestApp, createVehicle, iso, startTestApp } from '../helpers/test-app';
import { latestEntryOf } from '../../functions/api/services/position-cache';

let t: TestApp;
let redis: Redis;
beforeAll(async () => {
  const url = await sharedRedisUrl();
  t = await startTestApp({ redisUrl: url, retentionDays: 30 });
  redis = new Redis(url);
});
afterAll(async () => {
  redis.disconnect();
  await t.close();
});

const NOW = Date.now();
const MIN = 60_000;
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
const get = (url: string) => t.app.inject({ method: 'GET', url });
const history = async (id: string, query = '') =>
  (await get(`/vehicles/${id}/positions?limit=1000${query}`)).json().items as { timestamp: string; lat: number }[];
const cachedLatest = async (id: string) => {
  const json = await redis.hget(`vt:${t.config.environment}:latest:${id}`, 'position');
  return json ? JSON.parse(json) : null;
};

describe('POST /vehicles/{id}/positions', () => {
  test('stores one position with every optional field; it becomes the latest, in DynamoDB and Redis', async () => {
    const { id } = await createVehicle(t.app);
    const position = {
      lat: 52.37, lon: 4.89, timestamp: iso(NOW - MIN), speed: 54.5, heading: 270, altitude: 3.5, accuracy: 4, attributes: { battery: 87, ignition: true, driver: 'ana' },
    };
    const response = await post(`/vehicles/${id}/positions`, position);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ stored: 1, duplicatesInRequest: 0 });

    const vehicle = (await get(`/vehicles/${id}`)).json();
    expect(vehicle.position).toMatchObject({ ...position, vehicleId: id, receivedAt: expect.any(String) });
    expect(await cachedLatest(id)).toMatchObject({ lat: 52.37, lon: 4.89, ts: NOW - MIN });
    const latest = await get(`/vehicles/${id}/position`);
    expect(latest.headers['x-cache']).toBe('hit');
    expect(latest.json()).toMatchObject(position);
  });

  test('accepts epoch milliseconds as the timestamp', async () => {
    const { id } = await createVehicle(t.app);
    expect((await post(`/vehicles/${id}/positions`, { lat: 1, lon: 2, timestamp: NOW - 5000 })).statusCode).toBe(200);
    expect((await get(`/vehicles/${id}/position`)).json().timestamp).toBe(iso(NOW - 5000));
  });

  test('epoch seconds are named as the likely mistake, with the milliseconds to send instead; nothing is stored', async () => {
    const { id } = await createVehicle(t.app);
    const seconds = Math.floor(NOW / 1000) - 60;
    const response = await post(`/vehicles/${id}/positions`, [{ lat: 1, lon: 2, timestamp: NOW - 5000 }, { lat: 1, lon: 2, timestamp: seconds }]);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { field: 'positions[1].timestamp', message: `looks like epoch seconds (${iso(seconds * 1000)}); send epoch milliseconds (${seconds * 1000}) or an ISO-8601 date-time` },
    ]);
    expect((await get(`/vehicles/${id}/positions`)).json().items).toEqual([]);
    // A number that is no plausible time in either unit keeps the retention's message.
    const ancient = await post(`/vehicles/${id}/positions`, { lat: 1, lon: 2, timestamp: 5000 });
    expect(ancient.json().errors[0].message).toMatch(/older than the 30-day history retention/);
  });

  test('out of order and duplicated: latest is the greatest timestamp; history has each once, in time order', async () => {
    const { id } = await createVehicle(t.app);
    const at = (minutesAgo: number, lat: number) => ({ lat, lon: 4.9, timestamp: iso(NOW - minutesAgo * MIN) });
    expect((await post(`/vehicles/${id}/positions`, [at(5, 5), at(1, 1), at(3, 3)])).statusCode).toBe(200);
    // Older ones arrive later, one resent: nothing moves backwards, nothing duplicates.
    const late = await post(`/vehicles/${id}/positions`, [at(4, 4), at(2, 2), at(5, 5), at(1, 1)]);
    // at(1, 1) is the latest position resent: acknowledged as stored, not written again.
    expect(late.json()).toEqual({ stored: 4, duplicatesInRequest: 0, alreadyStored: 1 });
    await post(`/vehicles/${id}/positions`, at(2, 2));

    expect((await get(`/vehicles/${id}`)).json().position.lat).toBe(1);
    expect((await get(`/vehicles/${id}/position`)).json().lat).toBe(1);
    expect((await cachedLatest(id)).lat).toBe(1);
    expect((await history(id)).map((p) => p.lat)).toEqual([5, 4, 3, 2, 1]);
    expect((await history(id, '&order=desc')).map((p) => p.lat)).toEqual([1, 2, 3, 4, 5]);
  });

  test('a fix resent later with the same timestamp and new values replaces it in history and as latest, everywhere', async () => {
    const { id } = await createVehicle(t.app);
    const ts = iso(NOW - MIN);
    await post(`/vehicles/${id}/positions`, { lat: 1, lon: 1, timestamp: ts });
    expect((await post(`/vehicles/${id}/positions`, { lat: 1.5, lon: 1.5, timestamp: ts })).statusCode).toBe(200);
    expect(await history(id)).toMatchObject([{ lat: 1.5, lon: 1.5 }]);
    expect((await get(`/vehicles/${id}`)).json().position).toMatchObject({ lat: 1.5 });
    expect((await cachedLatest(id)).lat).toBe(1.5);
    expect((await get(`/vehicles/${id}/position`)).json()).toMatchObject({ lat: 1.5 });
  });

  test('a cache fill from a read made before such a resend cannot put the replaced values back', async () => {
    const { id } = await createVehicle(t.app);
    const ts = NOW - 2 * MIN;
    await post(`/vehicles/${id}/positions`, { lat: 1, lon: 1, timestamp: ts });
    const before = latestEntryOf((await t.services.vehicles.get(id))!)!; // what a slow reader fetched
    await post(`/vehicles/${id}/positions`, { lat: 1.5, lon: 1.5, timestamp: ts });
    await t.services.cache.offerLatest([before], 'read'); // its fill arrives late
    expect((await cachedLatest(id)).lat).toBe(1.5);
    expect((await get(`/vehicles/${id}/position`)).json()).toMatchObject({ lat: 1.5 });
  });

  test('the same timestamp twice in one request is stored once (the last entry wins)', async () => {
    const { id } = await createVehicle(t.app);
    const ts = iso(NOW - MIN);
    const response = await post(`/vehicles/${id}/positions`, [{ lat: 1, lon: 1, timestamp: ts }, { lat: 2, lon: 2, timestamp: ts }]);
    expect(response.json()).toEqual({ stored: 1, duplicatesInRequest: 1 });
    expect(await history(id)).toMatchObject([{ lat: 2 }]);
  });

  test('an unknown vehicle is a 404 and nothing is stored', async () => {
    const response = await post('/vehicles/ghost/positions', { lat: 1, lon: 1, timestamp: iso(NOW) });
    expect(response.statusCode).toBe(404);
    expect(response.json().errors).toEqual([{ field: 'vehicleId', message: 'vehicle ghost does not exist' }]);
  });

  test.each([
    [{ lon: 1, timestamp: 'NOW' }, 'lat', 'is required'],
    [{ lat: 91, lon: 1, timestamp: 'NOW' }, 'lat', 'must be <= 90'],
    [{ lat: 1, lon: -180.5, timestamp: 'NOW' }, 'lon', 'must be >= -180'],
    [{ lat: '1', lon: 1, timestamp: 'NOW' }, 'lat', 'must be number'],
    [{ lat: true, lon: 1, timestamp: 'NOW' }, 'lat', 'must be number'],
    [{ lat: 1, lon: 1 }, 'timestamp', 'is required'],
    [{ lat: 1, lon: 1, timestamp: 'yesterday' }, 'timestamp', 'must be an ISO-8601 date-time with a time zone or epoch milliseconds'],
    [{ lat: 1, lon: 1, timestamp: '2026-11-28T08:00:00' }, 'timestamp', 'must be an ISO-8601 date-time with a time zone'],
    [{ lat: 1, lon: 1, timestamp: true }, 'timestamp', 'must be an ISO-8601 date-time string or epoch milliseconds'],
    [{ lat: 1, lon: 1, timestamp: 'FUTURE' }, 'timestamp', 'is more than 5 minutes in the future'],
    [{ lat: 1, lon: 1, timestamp: 'ANCIENT' }, 'timestamp', 'is older than the 30-day history retention'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', speed: -1 }, 'speed', 'must be >= 0'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', heading: 400 }, 'heading', 'must be <= 360'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', accuracy: -2 }, 'accuracy', 'must be >= 0'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', altitude: 'high' }, 'altitude', 'must be number'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', attributes: { nested: { a: 1 } } }, 'attributes.nested', 'must be a string'],
    [{ lat: 1, lon: 1, timestamp: 'NOW', fuel: 3 }, 'fuel', 'is not a known field'],
  ])('%j is a 400 naming %s, and nothing is stored', async (raw: Record<string, unknown>, field, message) => {
    const { id } = await createVehicle(t.app);
    const timestamps: Record<string, string> = { NOW: iso(NOW - 1000), FUTURE: iso(Date.now() + 6 * MIN), ANCIENT: iso(NOW - 31 * 24 * 60 * MIN) };
    const body = { ...raw, ...(typeof raw.timestamp === 'string' && raw.timestamp in timestamps ? { timestamp: timestamps[raw.timestamp] } : {}) };
    const response = await post(`/vehicles/${id}/positions`, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors).toContainEqual({ field, message: expect.stringContaining(message) });
    expect(await history(id)).toEqual([]);
    expect((await get(`/vehicles/${id}`)).json().position).toBeNull();
  });

  test('one bad entry rejects the whole array, naming its index; nothing is half-written', async () => {
    const { id } = await createVehicle(t.app);
    const good = { lat: 1, lon: 1, timestamp: iso(NOW - MIN) };
    const response = await post(`/vehicles/${id}/positions`, [good, { ...good, timestamp: iso(NOW - 2 * MIN) }, { ...good, lat: 100 }]);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'positions[2].lat', message: 'must be <= 90' }]);
    expect(await history(id)).toEqual([]);
  });

  test('more than 500 positions is a 400; an empty array is a 400', async () => {
    const { id } = await createVehicle(t.app);
    const many = Array.from({ length: 501 }, (_, i) => ({ lat: 1, lon: 1, timestamp: NOW - i * 1000 }));
    expect((await post(`/vehicles/${id}/positions`, many)).statusCode).toBe(400);
    expect((await post(`/vehicles/${id}/positions`, [])).statusCode).toBe(400);
  });

  test('500 positions in one request are all stored', async () => {
    const { id } = await createVehicle(t.app);
    const batch = Array.from({ length: 500 }, (_, i) => ({ lat: 10 + i / 1000, lon: 1, timestamp: NOW - i * 1000 }));
    expect((await post(`/vehicles/${id}/positions`, batch)).json()).toEqual({ stored: 500, duplicatesInRequest: 0 });
    expect(await history(id)).toHaveLength(500);
    expect((await get(`/vehicles/${id}/position`)).json().lat).toBe(10);
  });

  test('a body over 1 MB is a 413, a non-JSON content type a 415, broken JSON a 400', async () => {
    const { id } = await createVehicle(t.app);
    const huge = await t.app.inject({
      method: 'POST', url: `/vehicles/${id}/positions`, headers: { 'content-type': 'application/json' }, payload: `[${'{"lat":1,"lon":1,"timestamp":1},'.repeat(40000)}{}]`,
    });
    expect(huge.statusCode).toBe(413);
    const xml = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, headers: { 'content-type': 'application/xml' }, payload: '<p/>' });
    expect(xml.statusCode).toBe(415);
    const broken = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, headers: { 'content-type': 'application/json' }, payload: '{"lat": 1,' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors).toEqual([{ field: 'body', message: 'is not valid JSON' }]);
    for (const response of [huge, xml, broken]) expect(response.json().requestId).toBe(response.headers['x-request-id']);
  });
});

describe('POST /positions (batch across vehicles)', () => {
  test('stores positions of several vehicles; each vehicle gets its own latest', async () => {
    const a = await createVehicle(t.app);
    const b = await createVehicle(t.app);
    const response = await post('/positions', [
      { vehicleId: a.id, lat: 1, lon: 1, timestamp: NOW - 3 * MIN },
      { vehicleId: b.id, lat: 2, lon: 2, timestamp: NOW - 2 * MIN },
      { vehicleId: a.id, lat: 3, lon: 3, timestamp: NOW - MIN },
    ]);
    expect(response.json()).toEqual({ stored: 3, duplicatesInRequest: 0 });
    expect((await get(`/vehicles/${a.id}/position`)).json().lat).toBe(3);
    expect((await get(`/vehicles/${b.id}/position`)).json().lat).toBe(2);
  });

  test('an unknown vehicle anywhere rejects the batch with 404 naming the entry; nothing is stored', async () => {
    const a = await createVehicle(t.app);
    const response = await post('/positions', [
      { vehicleId: a.id, lat: 1, lon: 1, timestamp: NOW - MIN },
      { vehicleId: 'ghost-2', lat: 2, lon: 2, timestamp: NOW - MIN },
    ]);
    expect(response.statusCode).toBe(404);
    expect(response.json().errors).toEqual([{ field: 'positions[1].vehicleId', message: 'vehicle ghost-2 does not exist' }]);
    expect(await history(a.id)).toEqual([]);
  });

  test('a missing vehicleId is a 400 naming the entry', async () => {
    const response = await post('/positions', [{ lat: 1, lon: 1, timestamp: NOW }]);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'positions[0].vehicleId', message: 'is required' }]);
  });
});

describe('GET /vehicles/{id}/position', () => {
  test('a vehicle without positions is a 404 saying so; an unknown vehicle a 404', async () => {
    const { id } = await createVehicle(t.app);
    const none = await get(`/vehicles/${id}/position`);
    expect(none.statusCode).toBe(404);
    expect(none.json().detail).toBe(`Vehicle ${id} has not reported a position yet`);
    expect((await get('/vehicles/ghost/position')).json().detail).toBe('Vehicle ghost does not exist');
  });

  test('a cache miss is answered from DynamoDB and fills the cache', async () => {
    const { id } = await createVehicle(t.app);
    await post(`/vehicles/${id}/positions`, { lat: 7, lon: 7, timestamp: NOW - MIN });
    await redis.del(`vt:${t.config.environment}:latest:${id}`);
    const miss = await get(`/vehicles/${id}/position`);
    expect(miss.headers['x-cache']).toBe('miss');
    expect(miss.json().lat).toBe(7);
    const hit = await get(`/vehicles/${id}/position`);
    expect(hit.headers['x-cache']).toBe('hit');
    expect(hit.json().lat).toBe(7);
  });

  test('deleting the vehicle drops its cached position', async () => {
    const { id } = await createVehicle(t.app);
    await post(`/vehicles/${id}/positions`, { lat: 7, lon: 7, timestamp: NOW - MIN });
    await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}` });
    expect(await cachedLatest(id)).toBeNull();
    expect((await get(`/vehicles/${id}/position`)).statusCode).toBe(404);
  });
});

describe('GET /vehicles/{id}/positions', () => {
  let id: string;
  beforeAll(async () => {
    id = (await createVehicle(t.app)).id;
    const batch = Array.from({ length: 25 }, (_, i) => ({ lat: i, lon: 1, timestamp: NOW - (25 - i) * MIN }));
    await post(`/vehicles/${id}/positions`, batch);
  });

  const pages = async (query: string) => {
    const all: number[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(`/vehicles/${id}/positions?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      all.push(...body.items.map((p: { lat: number }) => p.lat));
      sizes.push(body.items.length);
      cursor = body.nextCursor;
    } while (cursor && sizes.length < 20);
    return { all, sizes };
  };

  test('pages in ascending time order, each position once', async () => {
    const { all, sizes } = await pages('limit=10');
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(sizes.slice(0, 3)).toEqual([10, 10, 5]);
  });

  test('the last page has no cursor, also when it ends exactly at the range\'s end', async () => {
    expect((await pages('limit=5')).sizes).toEqual([5, 5, 5, 5, 5]);
    expect((await pages('limit=25&order=desc')).sizes).toEqual([25]);
  });

  test('nor when only fixes that do not count follow it (a GPS chip\'s 0,0s, stored as filtered)', async () => {
    const from = iso(NOW - 30 * MIN); // before the 0,0s: the range ends with them
    await post(`/vehicles/${id}/positions`, Array.from({ length: 8 }, (_, i) => ({ lat: 0, lon: 0, timestamp: NOW - 30 * MIN + i * 1000 })));
    const desc = await get(`/vehicles/${id}/positions?order=desc&from=${from}&limit=25`);
    expect(desc.json().items).toHaveLength(25);
    expect(desc.json().nextCursor).toBeNull();
    // Counted with include=filtered: then they follow, and a cursor leads to them.
    expect((await get(`/vehicles/${id}/positions?order=desc&from=${from}&limit=25&include=filtered`)).json().nextCursor).toEqual(expect.any(String));
  });

  test('pages newest first with order=desc', async () => {
    const { all } = await pages('limit=7&order=desc');
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
  });

  test('from and to bound the range, inclusive, as ISO-8601 or epoch ms', async () => {
    const from = iso(NOW - 20 * MIN);
    const to = NOW - 18 * MIN;
    const { all } = await pages(`from=${encodeURIComponent(from)}&to=${to}&limit=2`);
    expect(all).toEqual([5, 6, 7]);
  });

  test('a cursor reused with other filters, or edited, is a 400 naming cursor', async () => {
    const first = (await get(`/vehicles/${id}/positions?limit=5`)).json();
    const other = await createVehicle(t.app);
    const reused = await get(`/vehicles/${other.id}/positions?limit=5&cursor=${first.nextCursor}`);
    const otherOrder = await get(`/vehicles/${id}/positions?limit=5&order=desc&cursor=${first.nextCursor}`);
    const edited = first.nextCursor.slice(0, -2) + (first.nextCursor.endsWith('A') ? 'BB' : 'AA');
    const tampered = await get(`/vehicles/${id}/positions?limit=5&cursor=${edited}`);
    for (const response of [reused, otherOrder, tampered]) {
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'cursor', message: 'is invalid or belongs to another query' }]);
    }
  });

  test.each([
    ['from=soon', 'from'],
    ['to=2026-13-45T00:00:00Z', 'to'],
    ['limit=1001', 'limit'],
    ['order=sideways', 'order'],
  ])('?%s is a 400 naming %s', async (query, field) => {
    const response = await get(`/vehicles/${id}/positions?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  test('from after to is a 400; an unknown vehicle a 404', async () => {
    expect((await get(`/vehicles/${id}/positions?from=${NOW}&to=${NOW - MIN}`)).statusCode).toBe(400);
    expect((await get('/vehicles/ghost/positions')).statusCode).toBe(404);
  });

  test('a vehicle re-created under the same id does not see the old vehicle\'s history', async () => {
    const reused = await createVehicle(t.app, { id: 'reused-id' });
    await post(`/vehicles/${reused.id}/positions`, { lat: 1, lon: 1, timestamp: NOW - 2 * MIN });
    await t.app.inject({ method: 'DELETE', url: `/vehicles/${reused.id}` });
    await new Promise((r) => setTimeout(r, 5));
    await createVehicle(t.app, { id: 'reused-id' });
    expect(await history('reused-id')).toEqual([]);
    expect((await get('/vehicles/reused-id/position')).statusCode).toBe(404);
  });
});
