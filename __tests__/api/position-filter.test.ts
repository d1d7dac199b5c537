import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { POSITION_FILTER_DEFAULTS } from '../../config/trackers';
import { createDocumentClient } from '../../functions/api/services/dynamo-client';
import { FLEET_SETTINGS_TTL_MS, FleetSettings } from '../../functions/api/services/fleet-settings';
import { FleetStore } from '../../functions/api/services/fleet-store';
import { FaultyTestApp, TestApp, createVehicle, iso, startTestApp, startTestAppBehindFaultyProxy } from '../helpers/test-app';

/**
 * Issue 12, part 2: each fleet's position filter (Amazon Location's time, distance and
 * accuracy-based modes; Traccar's invalid / zero / accuracy / duplicate filters), set over HTTP and
 * applied to what trackers send.
 */
let t: FaultyTestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await startTestAppBehindFaultyProxy();
  // Trackers report over a real socket, as Traccar Client does (POST, query string, empty body).
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const SEC = 1000;
let fleetCount = 0;
const newFleet = () => `fleet-${++fleetCount}-${Date.now().toString(36)}`;
const getFleet = (fleetId: string) => t.app.inject({ method: 'GET', url: `/fleets/${fleetId}` });
const patchFleet = (fleetId: string, positionFilter: Record<string, unknown>) =>
  t.app.inject({ method: 'PATCH', url: `/fleets/${fleetId}`, payload: { positionFilter } });
/** A vehicle of a fleet with these settings, and its tracker's device id. */
async function trackerIn(fleetId: string, positionFilter?: Record<string, unknown>): Promise<{ id: string; deviceId: string }> {
  if (positionFilter) expect((await patchFleet(fleetId, positionFilter)).statusCode).toBe(200);
  return (await createVehicle(t.app, { fleetId })) as { id: string; deviceId: string };
}
/** Traccar Client's query-string report, `secondsAgo` before now. */
async function report(deviceId: string, lat: number, lon: number, secondsAgo: number, extra = '') {
  const response = await fetch(`${baseUrl}/osmand?id=${deviceId}&lat=${lat}&lon=${lon}&timestamp=${Math.floor(Date.now() / SEC) - secondsAgo}${extra}`, { method: 'POST' });
  expect(response.status).toBe(200); // anything else and the phone resends this fix forever
  return { json: () => response.json() as Promise<{ stored: number }> };
}
const historyOf = async (id: string) =>
  (await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?include=filtered&limit=1000` })).json().items as { lat: number; lon: number; timestamp: string; filtered?: string; receivedAt: string }[];
const latestOf = async (id: string) => (await t.app.inject({ method: 'GET', url: `/vehicles/${id}` })).json().position;

describe('GET and PATCH /fleets/{fleetId}', () => {
  test('a fleet never changed shows the environment\'s defaults; PATCH overrides, null goes back to the default', async () => {
    const fleetId = newFleet();
    expect((await getFleet(fleetId)).json()).toEqual({ fleetId, positionFilter: POSITION_FILTER_DEFAULTS, overrides: [], updatedAt: null });

    const changed = await patchFleet(fleetId, { minIntervalSeconds: 30, accuracyBased: true });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ positionFilter: { ...POSITION_FILTER_DEFAULTS, minIntervalSeconds: 30, accuracyBased: true }, overrides: ['minIntervalSeconds', 'accuracyBased'] });
    expect((await getFleet(fleetId)).json()).toEqual(changed.json());

    const reset = (await patchFleet(fleetId, { minIntervalSeconds: null })).json();
    expect(reset.positionFilter).toEqual({ ...POSITION_FILTER_DEFAULTS, accuracyBased: true });
    expect(reset.overrides).toEqual(['accuracyBased']);
    expect(Date.parse(reset.updatedAt)).toBeGreaterThan(Date.now() - 60 * SEC);
  });

  test.each([
    [{ minIntervalSeconds: -1 }, 'positionFilter.minIntervalSeconds'],
    [{ maxAccuracyMeters: 0 }, 'positionFilter.maxAccuracyMeters'],
    [{ minDistanceMeters: 2.5 }, 'positionFilter.minDistanceMeters'],
    [{ filterZero: 'no' }, 'positionFilter.filterZero'],
    [{ speedLimit: 90 }, 'positionFilter.speedLimit'],
    [{ minIntervalSeconds: 600, alwaysKeepAfterSeconds: 300 }, 'positionFilter.minIntervalSeconds'],
  ])('%j is a 400 naming %s, and changes nothing', async (positionFilter, field) => {
    const fleetId = newFleet();
    expect((await patchFleet(fleetId, { minDistanceMeters: 10 })).statusCode).toBe(200);
    const response = await patchFleet(fleetId, positionFilter);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await getFleet(fleetId)).json().overrides).toEqual(['minDistanceMeters']);
  });

  test('an interval longer than the fleet\'s own alwaysKeepAfterSeconds is refused against what is already set', async () => {
    const fleetId = newFleet();
    expect((await patchFleet(fleetId, { alwaysKeepAfterSeconds: 120 })).statusCode).toBe(200);
    const response = await patchFleet(fleetId, { minIntervalSeconds: 180 });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/minIntervalSeconds.*alwaysKeepAfterSeconds \(120\)/);
  });

  test('an empty change, or no positionFilter, is a 400; a fleet id that is not an id is a 400', async () => {
    expect((await patchFleet(newFleet(), {})).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url: `/fleets/${newFleet()}`, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/fleets/%20bad%20id' })).statusCode).toBe(400);
  });
});

describe('what a fleet\'s position filter does to its trackers\' fixes', () => {
  test('time-based: a phone reporting every 10 s keeps one fix per 30 s; the rest are in history as too-soon', async () => {
    const { id, deviceId } = await trackerIn(newFleet(), { minIntervalSeconds: 30 });
    const answers = [];
    // Two minutes of Traccar Client at a 10 s interval, oldest first, moving north.
    for (let i = 0; i <= 12; i++) answers.push(await (await report(deviceId, 52 + i * 0.001, 5, 200 - i * 10)).json());
    expect(answers.every((a) => a.stored === 1)).toBe(true); // every fix is acknowledged: nothing for the phone to resend
    const history = await historyOf(id);
    expect(history.map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon', 'too-soon', 'kept', 'too-soon', 'too-soon', 'kept', 'too-soon', 'too-soon', 'kept', 'too-soon', 'too-soon', 'kept']);
    expect(await latestOf(id)).toMatchObject({ lat: 52.012 });
    const kept = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions` });
    expect(kept.json().items).toHaveLength(5); // default history shows the kept fixes only
  });

  test('distance-based: a parked vehicle\'s GPS jitter is filtered, yet one fix per alwaysKeepAfterSeconds keeps it fresh; driving off is kept', async () => {
    const { id, deviceId } = await trackerIn(newFleet(), { minDistanceMeters: 50, alwaysKeepAfterSeconds: 60 });
    // Parked for 3 minutes, a fix every 20 s wandering a few metres (0.00003° ≈ 3 m).
    for (let i = 0; i < 9; i++) await report(deviceId, 48.85 + (i % 3) * 0.00003, 2.35, 400 - i * 20);
    // Then it drives off: 200 m (0.0018°) per fix.
    for (let i = 1; i <= 2; i++) await report(deviceId, 48.85 + i * 0.0018, 2.35, 220 - i * 20);
    const verdicts = (await historyOf(id)).map((p) => p.filtered ?? 'kept');
    // Kept: the first, then the fix 60 s after it (at the 3rd step), and so on, then both moves.
    expect(verdicts).toEqual(['kept', 'too-close', 'too-close', 'kept', 'too-close', 'too-close', 'kept', 'too-close', 'too-close', 'kept', 'kept']);
    expect(await latestOf(id)).toMatchObject({ lat: 48.8536 });
  });

  test('accuracy-based: a move smaller than the two fixes\' accuracy radii together is filtered', async () => {
    const { id, deviceId } = await trackerIn(newFleet(), { accuracyBased: true });
    await report(deviceId, 45, 7, 60, '&accuracy=20');
    await report(deviceId, 45.0003, 7, 50, '&accuracy=20'); // 33 m < 20 + 20
    await report(deviceId, 45.0006, 7, 40, '&accuracy=20'); // 67 m from the kept one: a real move
    await report(deviceId, 45.0009, 7, 30); // no accuracy sent: nothing to judge by, kept
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-close', 'kept', 'kept']);
  });

  test('a resend of the latest fix is acknowledged as already stored and costs no write; a late backlog is never thinned', async () => {
    const { id, deviceId } = await trackerIn(newFleet(), { minIntervalSeconds: 60 });
    const ts = Math.floor(Date.now() / SEC) - 30;
    const send = () => t.app.inject({ method: 'POST', url: `/osmand?id=${deviceId}&lat=40.1&lon=-3.7&timestamp=${ts}` });
    expect((await send()).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    const receivedAt = (await historyOf(id))[0].receivedAt;
    t.proxy.operations.clear();
    // The phone did not get the answer (a timeout) and sends it again.
    expect((await send()).json()).toEqual({ stored: 1, duplicatesInRequest: 0, alreadyStored: 1 });
    expect(t.proxy.operations.get('BatchWriteItem')).toBeUndefined();
    expect(t.proxy.operations.get('UpdateItem')).toBeUndefined();
    expect((await historyOf(id)).map((p) => p.receivedAt)).toEqual([receivedAt]);
    // Older fixes arriving after it, 10 s apart: stored as sent (they cannot become the latest anyway).
    for (const ago of [50, 40]) await report(deviceId, 40.2, -3.7, ago);
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'kept', 'kept']);
  });

  test('a thinned fix costs one write (its history) and one read, not the latest update', async () => {
    const { deviceId } = await trackerIn(newFleet(), { minIntervalSeconds: 30 });
    await report(deviceId, 41, 2, 20);
    t.proxy.operations.clear();
    await report(deviceId, 41.001, 2, 10);
    // The device id's lookup, the vehicle read that confirms the latest position the fix is thinned
    // against, then history; lastSeenAt moved with the kept fix a few seconds ago.
    expect(Object.fromEntries(t.proxy.operations)).toEqual({ GetItem: 1, BatchGetItem: 1, BatchWriteItem: 1 });
  });

  test('plausibility per fleet: a fleet may keep 0,0 fixes, invalid ones, and coarse accuracy', async () => {
    const lenient = await trackerIn(newFleet(), { filterZero: false, filterInvalid: false, maxAccuracyMeters: 5000 });
    const strict = await trackerIn(newFleet(), { maxAccuracyMeters: 50 });
    for (const { deviceId } of [lenient, strict]) {
      await report(deviceId, 0, 0, 40); // a buoy in the Gulf of Guinea
      await report(deviceId, 0.1, 0.1, 30, '&valid=false');
      await report(deviceId, 0.2, 0.2, 20, '&accuracy=2000');
      await report(deviceId, 0.3, 0.3, 10, '&accuracy=80');
    }
    expect((await historyOf(lenient.id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'kept', 'kept', 'kept']);
    expect((await historyOf(strict.id)).map((p) => p.filtered ?? 'kept')).toEqual(['zero-fix', 'invalid-fix', 'low-accuracy', 'low-accuracy']);
    expect(await latestOf(strict.id)).toBeNull();
  });

  test('the JSON API goes through the same filter; a batch is thinned oldest first whatever its order', async () => {
    const { id } = await trackerIn(newFleet(), { minIntervalSeconds: 30 });
    // One clock reading: fixes 30 s apart must stay exactly 30 s apart, however slow the run.
    const now = Date.now();
    const at = (secondsAgo: number) => ({ lat: 10 + secondsAgo / 1000, lon: 10, timestamp: iso(now - secondsAgo * SEC) });
    const response = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: [at(40), at(100), at(60), at(90), at(70)] });
    expect(response.json()).toEqual({ stored: 5, duplicatesInRequest: 0, filtered: 2 });
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon', 'kept', 'too-soon', 'kept']);
  });

  test('vehicles without a fleet, and fleets never changed, get the defaults; moving a vehicle to a fleet applies its filter at once', async () => {
    const thinning = newFleet();
    expect((await patchFleet(thinning, { minIntervalSeconds: 60 })).statusCode).toBe(200);
    const { id, deviceId } = (await createVehicle(t.app)) as { id: string; deviceId: string };
    await report(deviceId, 30, 30, 50);
    await report(deviceId, 30.001, 30, 45);
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'kept']);
    expect((await t.app.inject({ method: 'PATCH', url: `/vehicles/${id}`, payload: { fleetId: thinning } })).statusCode).toBe(200);
    await report(deviceId, 30.002, 30, 40);
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'kept', 'too-soon']);
  });

  test('a fleet\'s change applies to the next fix on this instance; stored fixes keep their verdict', async () => {
    const fleetId = newFleet();
    const { id, deviceId } = await trackerIn(fleetId, { minIntervalSeconds: 60 });
    await report(deviceId, 20, 20, 50);
    await report(deviceId, 20.001, 20, 40);
    expect((await patchFleet(fleetId, { minIntervalSeconds: 0 })).statusCode).toBe(200);
    await report(deviceId, 20.002, 20, 30);
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon', 'kept']);
  });
});

describe('resends, corrections and other instances (found in review)', () => {
  const post = (app: TestApp, id: string, body: object) => app.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: body });

  test('the same time and place with new values is a correction: written, in history and as the latest', async () => {
    const { id } = await trackerIn(newFleet(), { minIntervalSeconds: 30 });
    const timestamp = iso(Date.now() - 10 * SEC);
    expect((await post(t, id, { lat: 1, lon: 1, timestamp, speed: 10 })).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    const corrected = await post(t, id, { lat: 1, lon: 1, timestamp, speed: 50, accuracy: 3, attributes: { ignition: true } });
    expect(corrected.json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    expect(await latestOf(id)).toMatchObject({ speed: 50, accuracy: 3, attributes: { ignition: true } });
    expect((await historyOf(id)).map((p) => (p as { speed?: number }).speed)).toEqual([50]);
  });

  test('with thinning on, resending a thinned fix after newer ones does not rewrite its verdict', async () => {
    const { id } = await trackerIn(newFleet(), { minIntervalSeconds: 30 });
    const now = Date.now();
    const at = (secondsAgo: number) => ({ lat: 3, lon: 3 + secondsAgo / 1000, timestamp: iso(now - secondsAgo * SEC) });
    await post(t, id, [at(100), at(90), at(60)]);
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon', 'kept']);
    // The phone resends the middle one (it never got the answer): acknowledged, history unchanged.
    expect((await post(t, id, at(90))).json()).toEqual({ stored: 1, duplicatesInRequest: 0, alreadyStored: 1 });
    expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon', 'kept']);
    // A late fix never seen before is stored as sent.
    expect((await post(t, id, at(80))).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
  });

  test('an implausible fix at the latest\'s timestamp does not hide it in history', async () => {
    const { id } = await trackerIn(newFleet());
    const timestamp = iso(Date.now() - 10 * SEC);
    await post(t, id, { lat: 2, lon: 2, timestamp, accuracy: 10 });
    expect((await post(t, id, { lat: 2, lon: 2, timestamp, accuracy: 5000 })).json()).toEqual({ stored: 1, duplicatesInRequest: 0, alreadyStored: 1 });
    const kept = (await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions` })).json().items;
    expect(kept.map((p: { accuracy: number }) => p.accuracy)).toEqual([10]);
    expect(await latestOf(id)).toMatchObject({ accuracy: 10 });
  });

  describe('with a second instance of the same deployment', () => {
    let b: TestApp;
    beforeAll(async () => {
      b = await startTestApp({ shareWith: t });
    });
    afterAll(() => b.close());

    test('a latest position another instance moved is read before a fix is thinned against an older one', async () => {
      const fleetId = newFleet();
      const { id } = await trackerIn(fleetId, { minDistanceMeters: 100 });
      const now = Date.now();
      await post(b, id, { lat: 48, lon: 2, timestamp: iso(now - 60 * SEC) }); // b remembers X
      await post(t, id, { lat: 48.01, lon: 2, timestamp: iso(now - 40 * SEC) }); // Y, 1.1 km north, through the other instance
      const back = await post(b, id, { lat: 48, lon: 2, timestamp: iso(now - 20 * SEC) }); // back at X: a real move from Y
      expect(back.json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
      expect(await latestOf(id)).toMatchObject({ lat: 48 });
      expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'kept', 'kept']);
    });

    test('a vehicle deleted and created again elsewhere is not thinned against, or deduplicated with, the old one\'s fix', async () => {
      const fleetId = newFleet();
      const { id } = await trackerIn(fleetId, { minIntervalSeconds: 60 });
      const now = Date.now();
      const f = { lat: 10, lon: 10, timestamp: iso(now - 30 * SEC) };
      await post(b, id, f); // b remembers the first vehicle and F
      expect((await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}` })).statusCode).toBe(204);
      await createVehicle(t.app, { id, fleetId });
      expect((await post(b, id, f)).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
      expect((await post(b, id, { lat: 10.001, lon: 10, timestamp: iso(now - 20 * SEC) })).json()).toEqual({ stored: 1, duplicatesInRequest: 0, filtered: 1 });
      expect(await latestOf(id)).toMatchObject({ lat: 10 });
      expect((await historyOf(id)).map((p) => p.filtered ?? 'kept')).toEqual(['kept', 'too-soon']);
    });
  });

  test('seven concurrent PATCHes of one fleet, each a different setting, all succeed and all stay', async () => {
    const fleetId = newFleet();
    const changes = [
      { maxAccuracyMeters: 500 },
      { minIntervalSeconds: 5 },
      { minDistanceMeters: 5 },
      { accuracyBased: true },
      { filterInvalid: false },
      { filterZero: false },
      { alwaysKeepAfterSeconds: 600 },
    ];
    const answers = await Promise.all(changes.map((change) => patchFleet(fleetId, change)));
    expect(answers.map((a) => a.statusCode)).toEqual(changes.map(() => 200));
    expect((await getFleet(fleetId)).json().positionFilter).toEqual(Object.assign({}, ...changes));
  });

  test('a PATCH that changes nothing writes nothing', async () => {
    const fleetId = newFleet();
    const response = await patchFleet(fleetId, { minIntervalSeconds: null });
    expect(response.json()).toMatchObject({ overrides: [], updatedAt: null });
  });
});

describe('another instance (a Lambda container that read the settings before the change)', () => {
  test(`applies a change within ${FLEET_SETTINGS_TTL_MS / 1000} s, and filters with the last read while the table cannot be read`, async () => {
    const fleetId = newFleet();
    const db = createDocumentClient({ region: 'us-east-1', endpoint: t.config.dynamodbEndpoint });
    const table = new FleetStore(db, t.config.fleetsTable);
    const missing = new FleetStore(db, `${t.config.fleetsTable}-missing`);
    let broken = false;
    let clock = Date.now();
    const other = new FleetSettings({ getMany: (ids: string[]) => (broken ? missing : table).getMany(ids) } as FleetStore, POSITION_FILTER_DEFAULTS, pino({ level: 'silent' }), () => clock);

    expect(await other.positionFilter(fleetId)).toEqual(POSITION_FILTER_DEFAULTS);
    expect((await patchFleet(fleetId, { minDistanceMeters: 25 })).statusCode).toBe(200);
    clock += FLEET_SETTINGS_TTL_MS - 1;
    expect((await other.positionFilter(fleetId)).minDistanceMeters).toBe(0); // still the read from before the change
    clock += 2;
    expect((await other.positionFilter(fleetId)).minDistanceMeters).toBe(25);

    broken = true;
    clock += FLEET_SETTINGS_TTL_MS + 1;
    expect((await other.positionFilter(fleetId)).minDistanceMeters).toBe(25); // the last read, not the defaults
    expect(await other.positionFilter(newFleet())).toEqual(POSITION_FILTER_DEFAULTS); // never read: the defaults
    db.destroy();
  });
});

describe('when the fleets table cannot be read', () => {
  let broken: TestApp;
  beforeAll(async () => {
    broken = await startTestApp();
  });
  afterAll(() => broken.close());

  test('trackers still report (filtered with the defaults); the settings routes answer 500 (a deployment fault, alarmed)', async () => {
    const { id } = (await createVehicle(broken.app, { fleetId: 'lost-fleet' })) as { id: string };
    const client = new DynamoDBClient({ endpoint: broken.config.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await client.send(new DeleteTableCommand({ TableName: broken.config.fleetsTable }));
    client.destroy();
    const post = (lat: number, accuracy: number) =>
      broken.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 1, accuracy, timestamp: iso(Date.now() - 1000 * lat) } });
    expect((await post(30, 10)).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    expect((await post(20, POSITION_FILTER_DEFAULTS.maxAccuracyMeters + 1)).json()).toEqual({ stored: 1, duplicatesInRequest: 0, filtered: 1 });
    const settings = await broken.app.inject({ method: 'GET', url: '/fleets/lost-fleet' });
    expect(settings.statusCode).toBe(500);
    expect(settings.json().detail).not.toMatch(/table|ResourceNotFound/); // no internals
    expect((await broken.app.inject({ method: 'PATCH', url: '/fleets/lost-fleet', payload: { positionFilter: { minIntervalSeconds: 5 } } })).statusCode).toBe(500);
  });
});
