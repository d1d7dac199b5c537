/**
 * Hostile and careless input: the work one request causes is bounded by the schema, not the body;
 * a value DynamoDB cannot store is the client's 400 naming the field; every answer is RFC 9457.
 */
import * as net from 'net';
import { Writable } from 'stream';
import pino from 'pino';
import { buildApp } from '../../functions/api/app';
import { encodeCursor } from '../../functions/api/services/cursor';
import { createVehicle, iso, startTestApp, TestApp } from '../helpers/test-app';

/**
 * CPU one request may cost on a 1 MB body, as a multiple of parsing 1 MB of JSON (which any 1 MB
 * body costs) measured beside it: the 100 ms is about 5× that parse on a 2-core CI machine
 * (18 ms). A ratio, because a busy sibling CPU thread or a collection stretches both alike; today's
 * answers cost 0.2-1.2×.
 */
const CPU_RATIO_BUDGET = 5;
const MB = 1024 * 1024;

/** A JSON array of `item`, as close to 1 MB as it gets. */
const megabyteArray = (item: string) => `[${Array.from({ length: Math.floor(MB / (item.length + 1)) - 1 }, () => item).join(',')}]`;
const cpuMs = async (work: () => unknown) => {
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
};
const MEGABYTE_OF_NUMBERS = megabyteArray('1');

describe('hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await createVehicle(t.app, { id: 'van-1' });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  describe.each([
    ['an array of numbers', '/vehicles/van-1/positions', () => megabyteArray('1')],
    ['an array of invalid positions', '/positions', () => megabyteArray('{"timestamp":true}')],
    ['500 invalid positions (within maxItems)', '/vehicles/van-1/positions', () => `[${Array.from({ length: 500 }, () => `{"timestamp":true,"x":"${'y'.repeat(1500)}"}`).join(',')}]`],
    ['nested arrays', '/vehicles/van-1/positions', () => `${'['.repeat(MB / 2 - 1)}${']'.repeat(MB / 2 - 1)}`],
    ['an object with 60,000 unknown fields', '/vehicles', () => `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}`],
    ['attributes with 60,000 entries', '/vehicles/van-1/positions', () => `{"lat":1,"lon":1,"timestamp":1,"attributes":{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}}`],
    ['500 positions, each with 100 attributes of the wrong type', '/vehicles/van-1/positions', () => `[${Array.from({ length: 500 }, () => `{"lat":1,"lon":1,"timestamp":1,"attributes":{${Array.from({ length: 100 }, (_, i) => `"a${i}":{}`).join(',')}}}`).join(',')}]`],
    ['500 positions, each with 100 unknown fields', '/vehicles/van-1/positions', () => `[${Array.from({ length: 500 }, () => `{${Array.from({ length: 100 }, (_, i) => `"u${i}":1`).join(',')}}`).join(',')}]`],
    ['500 positions, each with 45 attributes of the wrong type (under every width limit)', '/vehicles/van-1/positions', () => `[${Array.from({ length: 500 }, () => `{"lat":1,"lon":1,"timestamp":1,"attributes":{${Array.from({ length: 45 }, (_, i) => `"a${i}":{}`).join(',')}}}`).join(',')}]`],
  ])('a 1 MB body of %s', (_shape, url, body) => {
    test(`is a 400 within ${CPU_RATIO_BUDGET}× the CPU of parsing 1 MB of JSON, with at most 20 field errors and a count`, async () => {
      const payload = body();
      expect(payload.length).toBeLessThanOrEqual(MB);
      // The best of five, each beside its own baseline: the first run also pays JIT compilation, and
      // any run may pay a collection of earlier garbage.
      let best = Infinity;
      let response!: Awaited<ReturnType<typeof post>>;
      for (let run = 0; run < 5; run++) {
        const parse = await cpuMs(() => JSON.parse(MEGABYTE_OF_NUMBERS));
        const request = await cpuMs(async () => (response = await post(url, payload)));
        best = Math.min(best, request / parse);
      }
      expect(response.statusCode).toBe(400);
      expect(best).toBeLessThan(CPU_RATIO_BUDGET);
      const problem = response.json();
      expect(problem).toMatchObject({ status: 400, type: 'about:blank', requestId: expect.any(String) });
      expect((problem.errors ?? []).length).toBeLessThanOrEqual(20);
      expect(response.body.length).toBeLessThan(10_000);
    });
  });

  test('/health answers at once while hostile bodies are being refused', async () => {
    const hostile = Array.from({ length: 5 }, () => post('/positions', megabyteArray('{"timestamp":true}')));
    const started = performance.now();
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    const healthMs = performance.now() - started; // /health's own answer, while the hostile ones are in flight
    expect(health.statusCode).toBe(200);
    expect((await Promise.all(hostile)).every((r) => r.statusCode === 400)).toBe(true);
    expect(healthMs).toBeLessThan(500);
  });

  test('the detail counts every problem while errors lists the first 20, each item under its own index', async () => {
    const response = await post('/vehicles/van-1/positions', JSON.stringify([{ lat: 91, lon: 1, timestamp: iso(Date.now()) }, ...Array.from({ length: 30 }, () => ({ lon: 1, timestamp: iso(Date.now()) }))]));
    const problem = response.json();
    expect(problem.detail).toBe('positions[0].lat must be <= 90 (and 30 more)');
    expect(problem.errors).toHaveLength(20);
    expect(problem.errors[1]).toEqual({ field: 'positions[1].lat', message: 'is required' });
  });

  describe('values DynamoDB cannot store are the client\'s 400, naming the field, and nothing is stored', () => {
    const now = () => iso(Date.now() - 60_000);
    test.each([
      ['a latitude below DynamoDB\'s smallest magnitude', '/vehicles/van-1/positions', () => `{"lat":1e-200,"lon":4,"timestamp":"${now()}"}`, 'lat', /too close to zero/],
      ['an attribute integer beyond 2^53', '/vehicles/van-1/positions', () => `{"lat":1,"lon":4,"timestamp":"${now()}","attributes":{"odometer":1152921504606846976}}`, 'attributes.odometer', /2\^53/],
      ['one bad item in a batch', '/positions', () => JSON.stringify([{ vehicleId: 'van-1', lat: 1, lon: 4, timestamp: now() }, { vehicleId: 'van-1', lat: 1e-150, lon: 4, timestamp: iso(Date.now() - 30_000) }]), 'positions[1].lat', /too close to zero/],
      ['metadata nested 40 levels (DynamoDB stops at 32)', '/vehicles', () => `{"name":"x","metadata":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, 'metadata.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a', /nests more than 16 levels/],
      ['metadata nested 1,000 levels (refused before parsing)', '/vehicles', () => `{"name":"x","metadata":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`, 'body', /nests deeper than 64 levels/],
      ['a metadata key that is empty', '/vehicles', () => '{"name":"x","metadata":{"":1}}', 'metadata[""]', /empty name/],
      ['a metadata key named constructor', '/vehicles', () => '{"name":"x","metadata":{"constructor":{"a":1}}}', 'metadata.constructor', /cannot be used as a name/],
      ['a metadata key named __proto__ (refused while parsing)', '/vehicles', () => '{"name":"x","metadata":{"__proto__":{"a":1}}}', 'body', /"__proto__" or "constructor.prototype" as a name/],
    ])('%s', async (_case, url, body, field, message) => {
      const before = (await t.app.inject({ method: 'GET', url: '/vehicles/van-1/positions?limit=100' })).json().items.length;
      const response = await post(url, body());
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
      expect((await t.app.inject({ method: 'GET', url: '/vehicles/van-1/positions?limit=100' })).json().items.length).toBe(before);
    });

    test('every such value is counted in the detail, the first 20 named', async () => {
      const batch = Array.from({ length: 300 }, (_, i) => ({ vehicleId: 'van-1', lat: 1e-200, lon: 4, timestamp: Date.now() - 60_000 - i * 1000 }));
      const response = await post('/positions', JSON.stringify(batch));
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(/^positions\[0\]\.lat is too close to zero.* \(and 299 more\)\. Nothing was stored\.$/);
      expect(response.json().errors).toHaveLength(20);
      expect(response.json().errors[19].field).toBe('positions[19].lat');
    });

    test('an OsmAnd device id beyond DynamoDB\'s key size is an unknown device (401), not a 500', async () => {
      const response = await t.app.inject({ method: 'GET', url: `/osmand?id=${'d'.repeat(3000)}&lat=1&lon=4&timestamp=${Math.floor(Date.now() / 1000) - 60}` });
      expect(response.statusCode).toBe(401);
    });

    test('an OsmAnd query with such a value is a 400 too (no JSON body involved)', async () => {
      const { deviceId } = (await t.app.inject({ method: 'GET', url: '/vehicles/van-1' })).json();
      const response = await t.app.inject({ method: 'GET', url: `/osmand?id=${deviceId}&lat=1e-200&lon=4&timestamp=${Math.floor(Date.now() / 1000) - 60}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'lat', message: expect.stringMatching(/too close to zero/) }]);
    });
  });

  describe('HTTP edges answer with problem details', () => {
    test('a method the path does not serve is 405 with Allow', async () => {
      const response = await t.app.inject({ method: 'PUT', url: '/vehicles/van-1' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('DELETE, GET, HEAD, PATCH');
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    test('an unknown path is still 404', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    });

    test('a trailing slash on a path that serves the method is a 404, not a 405', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/vehicles/van-1/' })).statusCode).toBe(404);
    });

    test.each([
      ['an id of 3,000 characters', `/vehicles/${'a'.repeat(3000)}`, 414],
      ['bad percent-encoding', '/vehicles/%E0%A4%A', 400],
    ])('%s is a problem document from the router, without the path echoed at length', async (_case, url, status) => {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.length).toBeLessThan(1000);
    });

    test('DELETE with content-type: application/json and no body deletes', async () => {
      await createVehicle(t.app, { id: 'to-delete' });
      const response = await t.app.inject({ method: 'DELETE', url: '/vehicles/to-delete', headers: { 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(204);
    });

    test('a text/plain body is 415, not a schema error', async () => {
      const response = await post('/vehicles', '{"name":"x"}', 'text/plain');
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    });

    test('an id of 150 characters is a 400 naming the field, after auth, not the router\'s 414', async () => {
      const response = await t.app.inject({ method: 'GET', url: `/vehicles/${'a'.repeat(150)}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    });

    test('a date that does not exist (31 November) is refused, not rolled over to 1 December', async () => {
      const response = await post('/vehicles/van-1/positions', JSON.stringify({ lat: 1, lon: 1, timestamp: '2026-11-31T10:00:00Z' }));
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'timestamp', message: expect.stringContaining('ISO-8601') }]);
    });

    test.each([
      ['malformed HTTP', 'GARBAGE\r\n\r\n', 400, 'Bad Request'],
      ['headers beyond 16 KB', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'Request Header Fields Too Large'],
    ])('%s on the dev server gets a problem document', async (_case, raw, status, title) => {
      const app = buildApp({ config: t.config, services: t.services });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = app.server.address() as net.AddressInfo;
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
          let data = '';
          socket.on('data', (chunk) => (data += chunk));
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        expect(answer).toContain('content-type: application/problem+json');
        expect(JSON.parse(answer.split('\r\n\r\n')[1])).toMatchObject({ status, title });
      } finally {
        await app.close();
      }
    });
  });

  describe('privacy', () => {
    test('a tracker\'s device id never reaches the logs', async () => {
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const app = buildApp({ config: t.config, services: t.services, logger: pino({ level: 'debug' }, sink) });
      try {
        const { deviceId } = (await t.app.inject({ method: 'GET', url: '/vehicles/van-1' })).json();
        await app.inject({ method: 'GET', url: `/osmand?id=${deviceId}&lat=52&lon=4&timestamp=${Math.floor(Date.now() / 1000) - 30}` });
        await app.inject({ method: 'POST', url: `/osmand?deviceid=${deviceId}`, payload: 'garbage', headers: { 'content-type': 'application/json' } });
        await app.inject({ method: 'GET', url: '/osmand?id=unregistered-device-77' });
        expect(lines.length).toBeGreaterThanOrEqual(3); // each request was logged
        const logged = lines.join('');
        expect(logged).not.toContain(deviceId);
        expect(logged).not.toContain('unregistered-device-77');
        expect(logged).toContain('/osmand?id=[redacted]');
      } finally {
        await app.close();
      }
    });

    test('/health/ready shows component states, not internal error text', async () => {
      const down = await startTestApp({ redisUrl: 'redis://127.0.0.1:1' });
      try {
        const response = await down.app.inject({ method: 'GET', url: '/health/ready' });
        expect(response.json()).toEqual({ status: 'degraded', dynamodb: { status: 'up', latencyMs: expect.any(Number) }, cache: { status: 'degraded' } });
        expect(response.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connection/);
      } finally {
        await down.close();
      }
    });
  });
});

describe('forged cursors (the digest is public, so the key is re-validated)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await createVehicle(t.app, { id: 'cur-1', fleetId: 'north' });
    await createVehicle(t.app, { id: 'cur-2', fleetId: 'south' });
    const base = Date.now() - 10 * 60_000;
    await t.app.inject({ method: 'POST', url: '/vehicles/cur-1/positions', payload: [0, 1, 2].map((i) => ({ lat: 1, lon: 1, timestamp: iso(base + i * 1000) })) });
  });
  afterAll(() => t.close());

  const history = (cursor: string) => t.app.inject({ method: 'GET', url: `/vehicles/cur-1/positions?limit=1&order=asc&cursor=${cursor}` });

  test.each([
    ['a timestamp outside the query window (0)', { vehicleId: 'cur-1', ts: 0 }],
    ['a timestamp at 2^53 − 1', { vehicleId: 'cur-1', ts: Number.MAX_SAFE_INTEGER }],
    ['another vehicle\'s partition', { vehicleId: 'cur-2', ts: Date.now() - 60_000 }],
    ['an empty vehicle id', { vehicleId: '', ts: Date.now() - 60_000 }],
  ])('history with %s is a 400 naming the cursor', async (_case, key) => {
    const response = await history(encodeCursor('history|cur-1|||asc', key));
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'cursor', message: 'is invalid or belongs to another query' }]);
  });

  test('a genuine cursor still pages', async () => {
    const first = (await t.app.inject({ method: 'GET', url: '/vehicles/cur-1/positions?limit=1&order=asc' })).json();
    const second = await history(first.nextCursor);
    expect(second.statusCode).toBe(200);
    expect(second.json().items).toHaveLength(1);
  });

  test('another fleet\'s key, or a malformed id, in a fleet listing is a 400', async () => {
    for (const key of [{ vehicleId: 'cur-2', fleetId: 'south' }, { vehicleId: '', fleetId: 'north' }]) {
      const response = await t.app.inject({ method: 'GET', url: `/vehicles?fleetId=north&cursor=${encodeCursor('vehicles|north', key)}` });
      expect(response.statusCode).toBe(400);
    }
  });
});
