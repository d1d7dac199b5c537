import { Writable } from 'stream';
import pino from 'pino';
import { buildApp } from '../../functions/api/app';
import type { FaultyDynamoProxy } from '../../functions/local/faults/faulty-dynamo-proxy';
import { FaultyTestApp, createVehicle, iso, startTestAppBehindFaultyProxy } from '../helpers/test-app';

let proxy: FaultyDynamoProxy;
let t: FaultyTestApp;
beforeAll(async () => {
  t = await startTestAppBehindFaultyProxy();
  ({ proxy } = t);
});
afterEach(() => {
  proxy.withholdItems = () => false;
  proxy.failUpdates = () => false;
  proxy.rejectItems = () => false;
  proxy.failBatchWrites = undefined;
});
afterAll(() => t.close());

const NOW = Date.now();
const MIN = 60_000;
const history = async (id: string) =>
  (await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?limit=1000` })).json().items.map((p: { lat: number }) => p.lat);

describe('partial failure of a batch', () => {
  test('positions DynamoDB keeps leaving unprocessed are reported exactly, with 503; the rest are stored', async () => {
    const a = await createVehicle(t.app);
    const b = await createVehicle(t.app);
    // Everything of vehicle b with an odd latitude stays unprocessed, retry after retry.
    proxy.withholdItems = (item) => item.vehicleId.S === b.id && Number(item.lat.N) % 2 === 1;
    const batch = [
      { vehicleId: a.id, lat: 1, lon: 0, timestamp: NOW - 4 * MIN },
      { vehicleId: b.id, lat: 2, lon: 0, timestamp: NOW - 4 * MIN },
      { vehicleId: b.id, lat: 3, lon: 0, timestamp: NOW - 3 * MIN },
      { vehicleId: a.id, lat: 4, lon: 0, timestamp: NOW - 2 * MIN },
      { vehicleId: b.id, lat: 5, lon: 0, timestamp: iso(NOW - MIN) },
    ];
    const callsBefore = proxy.batchWriteCalls;
    const response = await t.app.inject({ method: 'POST', url: '/positions', payload: batch });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    const problem = response.json();
    expect(problem.stored).toBe(3);
    expect(problem.failed).toEqual([
      { field: 'positions[2]', vehicleId: b.id, timestamp: NOW - 3 * MIN, reason: expect.stringContaining('resend it'), retryable: true },
      { field: 'positions[4]', vehicleId: b.id, timestamp: iso(NOW - MIN), reason: expect.stringContaining('resend it'), retryable: true },
    ]);
    expect(proxy.batchWriteCalls - callsBefore).toBeGreaterThan(1); // it retried before giving up

    // Exactly what was reported as stored is stored; the latest only moved to stored positions.
    expect(await history(a.id)).toEqual([1, 4]);
    expect(await history(b.id)).toEqual([2]);
    expect((await t.app.inject({ method: 'GET', url: `/vehicles/${b.id}/position` })).json().lat).toBe(2);

    // Resending exactly the failed ones once DynamoDB recovers completes the history.
    proxy.withholdItems = () => false;
    const resend = await t.app.inject({ method: 'POST', url: '/positions', payload: [batch[2], batch[4]] });
    expect(resend.statusCode).toBe(200);
    expect(await history(b.id)).toEqual([2, 3, 5]);
    expect((await t.app.inject({ method: 'GET', url: `/vehicles/${b.id}/position` })).json().lat).toBe(5);
  });

  test('when the latest-position update keeps failing, that vehicle\'s positions are reported for resending', async () => {
    const a = await createVehicle(t.app);
    const b = await createVehicle(t.app);
    proxy.failUpdates = (key) => key.vehicleId?.S === b.id;
    const response = await t.app.inject({
      method: 'POST',
      url: '/positions',
      payload: [
        { vehicleId: a.id, lat: 1, lon: 0, timestamp: NOW - MIN },
        { vehicleId: b.id, lat: 2, lon: 0, timestamp: NOW - MIN },
      ],
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().failed).toEqual([
      { field: 'positions[1]', vehicleId: b.id, timestamp: NOW - MIN, reason: expect.stringContaining('latest position could not be updated'), retryable: true },
    ]);
    expect((await t.app.inject({ method: 'GET', url: `/vehicles/${a.id}/position` })).json().lat).toBe(1);
  });

  test('when no position can be stored, the answer is 503 with stored 0 and every position listed', async () => {
    const a = await createVehicle(t.app);
    proxy.withholdItems = () => true;
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${a.id}/positions`, payload: { lat: 1, lon: 1, timestamp: NOW - MIN } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ stored: 0, failed: [{ field: '', vehicleId: a.id }] });
    expect(await history(a.id)).toEqual([]);
  });
});

describe('an item DynamoDB refuses outright', () => {
  test('fails alone with a 422 naming it: its 24 batch neighbours are stored, and a tracker is told not to resend it', async () => {
    const v = await createVehicle(t.app);
    const bad = NOW - 30 * MIN + 7 * 1000;
    proxy.rejectItems = (item) => Number(item.ts.N) === bad;
    const batch = Array.from({ length: 25 }, (_, i) => ({ lat: i, lon: 1, timestamp: NOW - 30 * MIN + i * 1000 }));
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${v.id}/positions`, payload: batch });
    expect(response.statusCode).toBe(422);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json()).toMatchObject({
      status: 422,
      stored: 24,
      errors: [{ field: 'positions[7]', message: expect.stringContaining('resending it unchanged will fail again') }],
      failed: [{ field: 'positions[7]', timestamp: bad, retryable: false }],
    });
    expect((await history(v.id)).length).toBe(24);
  });

  test('beside positions a resend can store, the answer is 503: each failed position says whether to resend it', async () => {
    const v = await createVehicle(t.app);
    const refused = NOW - 40 * MIN;
    const withheld = NOW - 39 * MIN;
    proxy.rejectItems = (item) => Number(item.ts.N) === refused;
    proxy.withholdItems = (item) => Number(item.ts.N) === withheld;
    const batch = [refused, withheld, NOW - 38 * MIN].map((timestamp, i) => ({ lat: i, lon: 1, timestamp }));
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${v.id}/positions`, payload: batch });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({
      stored: 1,
      failed: [
        { field: 'positions[0]', retryable: false },
        { field: 'positions[1]', retryable: true },
      ],
    });
  });
});

describe('a failure that is ours, not the item\'s', () => {
  test.each([
    [400, 'AccessDeniedException'],
    [400, 'ResourceNotFoundException'],
    [400, 'UnrecognizedClientException'],
  ])('%i %s is a 503 to resend, never a 422 telling a tracker to drop the position', async (status, type) => {
    const v = await createVehicle(t.app);
    proxy.failBatchWrites = { status, type };
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${v.id}/positions`, payload: { lat: 1, lon: 1, timestamp: NOW - 6 * MIN } });
    expect(response.statusCode).toBe(503);
    expect(response.json().failed).toEqual([expect.objectContaining({ retryable: true })]);
  });
});

describe('a 503 for unstored positions', () => {
  test('is logged with its cause, as every 5xx is', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l))), done()) });
    const app = buildApp({ config: t.config, services: t.services, logger: pino({ level: 'info' }, sink) });
    try {
      const v = await createVehicle(t.app);
      proxy.withholdItems = (item) => item.vehicleId.S === v.id;
      const response = await app.inject({ method: 'POST', url: `/vehicles/${v.id}/positions`, payload: { lat: 1, lon: 1, timestamp: NOW - 5 * MIN } });
      expect(response.statusCode).toBe(503);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 50, msg: expect.stringContaining('Ingest: positions not stored'), failed: 1, reasons: [expect.stringContaining('resend it')] }),
        ]),
      );
    } finally {
      await app.close();
    }
  });
});
