import { TestApp, createVehicle, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ apiKeys: ['fleet-key'] });
});
afterAll(() => t.close());

const history = async (id: string) =>
  (await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions`, headers: { 'x-api-key': 'fleet-key' } })).json().items;
const register = (body: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: '/vehicles', headers: { 'x-api-key': 'fleet-key' }, payload: { name: 'Phone tracker', ...body } });

const nowSeconds = () => Math.floor(Date.now() / 1000) - 30;

describe('device ids', () => {
  test('are generated unguessable when not given, and unique when given', async () => {
    const generated = (await register()).json();
    expect(generated.deviceId).toMatch(/^[a-z2-7]{26}$/);
    expect((await register({ deviceId: 'phone-123456' })).statusCode).toBe(201);
    const taken = await register({ deviceId: 'phone-123456' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().detail).toBe('deviceId is already registered to another vehicle');
  });

  test('a vehicle that could not be created does not keep its device id', async () => {
    await createVehicle(t.app, { id: 'fixed-id' }).catch(() => undefined);
    await register({ id: 'fixed-id-2', deviceId: 'dev-first-0000' });
    const clash = await register({ id: 'fixed-id-2', deviceId: 'dev-second-0000' }); // vehicle id taken
    expect(clash.statusCode).toBe(409);
    expect((await register({ deviceId: 'dev-second-0000' })).statusCode).toBe(201);
  });

  test('deleting the vehicle frees its device id; reports for it are then refused', async () => {
    const { id } = (await register({ deviceId: 'dev-gone-0000' })).json();
    await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}`, headers: { 'x-api-key': 'fleet-key' } });
    const report = await t.app.inject({ method: 'POST', url: `/osmand?id=dev-gone-0000&lat=1&lon=1&timestamp=${nowSeconds()}` });
    expect(report.statusCode).toBe(401);
    expect((await register({ deviceId: 'dev-gone-0000' })).statusCode).toBe(201);
  });
});

describe('device id rotation (PATCH /vehicles/:id deviceId)', () => {
  const patch = (id: string, body: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/vehicles/${id}`, headers: { 'x-api-key': 'fleet-key' }, payload: body });
  const report = (deviceId: string, lat = 52.1) => t.app.inject({ method: 'GET', url: `/osmand?id=${deviceId}&lat=${lat}&lon=5.1&timestamp=${nowSeconds()}` });

  test('a new id works at once and the old one is refused at once', async () => {
    const { id } = (await register({ deviceId: 'rotate-old-0001' })).json();
    expect((await report('rotate-old-0001')).statusCode).toBe(200);
    const rotated = await patch(id, { deviceId: 'rotate-new-0001' });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().deviceId).toBe('rotate-new-0001');
    expect((await report('rotate-old-0001')).statusCode).toBe(401);
    expect((await report('rotate-new-0001', 52.2)).statusCode).toBe(200);
    // The same PATCH again (a client retrying) changes nothing and succeeds.
    expect((await patch(id, { deviceId: 'rotate-new-0001' })).statusCode).toBe(200);
    expect((await report('rotate-new-0001', 52.3)).statusCode).toBe(200);
  });

  test('an id another vehicle holds is a 409, and nothing changes for either vehicle', async () => {
    const a = (await register({ deviceId: 'holder-a-0001' })).json();
    const b = (await register({ deviceId: 'holder-b-0001' })).json();
    const taken = await patch(b.id, { deviceId: 'holder-a-0001' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().detail).toBe('deviceId is already registered to another vehicle');
    expect((await report('holder-a-0001')).statusCode).toBe(200);
    expect((await report('holder-b-0001')).statusCode).toBe(200);
    expect(await history(a.id)).toHaveLength(1);
    expect(await history(b.id)).toHaveLength(1);
  });

  test('null clears it: no tracker may report for the vehicle, and the id is free for another', async () => {
    const { id } = (await register({ deviceId: 'cleared-0001xx' })).json();
    const cleared = await patch(id, { deviceId: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().deviceId).toBeNull();
    expect((await report('cleared-0001xx')).statusCode).toBe(401);
    expect((await register({ deviceId: 'cleared-0001xx' })).statusCode).toBe(201);
  });

  test('ids shorter than 12 characters are refused when given, naming the field', async () => {
    const short = await register({ deviceId: '841237' });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors).toEqual([expect.objectContaining({ field: 'deviceId' })]);
    const { id } = (await register()).json();
    expect((await patch(id, { deviceId: 'short' })).json().errors).toEqual([expect.objectContaining({ field: 'deviceId' })]);
  });

  test('the same registration sent twice at once: one 201, one 409, and the tracker works', async () => {
    const both = await Promise.all([1, 2].map(() => register({ id: 'raced-registration', deviceId: 'raced-device-001' })));
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect((await report('raced-device-001')).statusCode).toBe(200);
    expect((await register({ deviceId: 'raced-device-001' })).statusCode).toBe(409);
  });

  test('a PATCH that resends the current deviceId with other fields changes nothing about the tracker', async () => {
    const { id } = (await register({ deviceId: 'resent-form-0001' })).json();
    expect((await patch(id, { name: 'Renamed', deviceId: 'resent-form-0001' })).json()).toMatchObject({ name: 'Renamed', deviceId: 'resent-form-0001' });
    expect((await report('resent-form-0001')).statusCode).toBe(200);
  });

  test('registering a taken vehicle id again (409) leaves that vehicle\'s tracker working', async () => {
    expect((await register({ id: 'twice-registered', deviceId: 'twice-device-01' })).statusCode).toBe(201);
    expect((await register({ id: 'twice-registered', deviceId: 'twice-device-01' })).statusCode).toBe(409);
    expect((await report('twice-device-01')).statusCode).toBe(200);
  });
});

describe('Traccar Client query-string form', () => {
  test('the exact request line of the app is stored with converted units (knots to km/h), without an API key', async () => {
    const { id } = (await register({ deviceId: '356938035643809' })).json();
    const ts = nowSeconds();
    // As Traccar Client sends it: POST with every parameter in the URL and an empty body.
    const response = await t.app.inject({
      method: 'POST',
      url: `/osmand?id=356938035643809&timestamp=${ts}&lat=52.3702157&lon=4.8951679&speed=10.0&bearing=87.5&altitude=12.4&accuracy=4.9&batt=76.0&charge=true`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    expect(await history(id)).toEqual([
      expect.objectContaining({
        vehicleId: id,
        timestamp: new Date(ts * 1000).toISOString(),
        lat: 52.3702157,
        lon: 4.8951679,
        speed: 18.52,
        heading: 87.5,
        altitude: 12.4,
        accuracy: 4.9,
        attributes: { battery: 76, charging: true },
      }),
    ]);
  });

  test('GET, a form body, `deviceid`, `location=lat,lon`, millisecond and "yyyy-MM-dd HH:mm:ss" timestamps', async () => {
    const { id } = (await register({ deviceId: 'form-device-0000' })).json();
    const ms = Date.now() - 60_000;
    const get = await t.app.inject({ method: 'GET', url: `/osmand?deviceid=form-device-0000&location=10.5,20.25&timestamp=${ms}&hdop=0.9&ignition=true` });
    expect(get.statusCode).toBe(200);
    const plain = new Date(Date.now() - 120_000).toISOString().slice(0, 19).replace('T', ' ');
    const form = await t.app.inject({
      method: 'POST',
      url: '/osmand',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `id=form-device-0000&lat=11&lon=21&timestamp=${encodeURIComponent(plain)}`,
    });
    expect(form.statusCode).toBe(200);
    const stored = await history(id);
    expect(stored).toEqual([
      expect.objectContaining({ lat: 11, lon: 21, timestamp: `${plain.replace(' ', 'T')}.000Z` }),
      expect.objectContaining({ lat: 10.5, lon: 20.25, timestamp: new Date(ms).toISOString(), attributes: { hdop: 0.9, ignition: true } }),
    ]);
  });

  test('resending the same report does not duplicate it', async () => {
    const { id } = (await register({ deviceId: 'resender-0000' })).json();
    const url = `/osmand?id=resender-0000&lat=1&lon=2&timestamp=${nowSeconds()}`;
    await t.app.inject({ method: 'POST', url });
    await t.app.inject({ method: 'POST', url });
    expect(await history(id)).toHaveLength(1);
  });
});

describe('Traccar Client JSON form', () => {
  test('is stored with converted units (m/s to km/h, battery 0..1 to percent); -1 means unknown', async () => {
    const { id } = (await register({ deviceId: 'json-phone-0000' })).json();
    const timestamp = new Date(Date.now() - 45_000).toISOString();
    const response = await t.app.inject({
      method: 'POST',
      url: '/osmand',
      payload: {
        location: {
          timestamp,
          coords: { latitude: 48.8583, longitude: 2.2945, accuracy: 6.5, speed: 12.5, heading: -1, altitude: 35 },
          is_moving: true,
          odometer: 1520.4,
          event: 'motionchange',
          battery: { level: 0.42, is_charging: false },
          activity: { type: 'in_vehicle' },
        },
        device_id: 'json-phone-0000',
      },
    });
    expect(response.statusCode).toBe(200);
    const [position] = await history(id);
    expect(position).toEqual(
      expect.objectContaining({
        lat: 48.8583, lon: 2.2945, accuracy: 6.5, speed: 45, altitude: 35, timestamp,
        attributes: { battery: 42, charging: false, motion: true, odometer: 1520.4, activity: 'in_vehicle', event: 'motionchange' },
      }),
    );
    expect(position.heading).toBeUndefined();
  });
});

describe('a phone is never blocked: implausible fixes are acknowledged and kept as filtered (issue 12)', () => {
  const history = async (id: string, query = '') =>
    (await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?order=asc${query}`, headers: { 'x-api-key': 'fleet-key' } })).json().items;
  const latest = async (id: string) => (await t.app.inject({ method: 'GET', url: `/vehicles/${id}`, headers: { 'x-api-key': 'fleet-key' } })).json().position;

  test('Traccar Client\'s queue drains: a clock 10 minutes ahead, a backlog beyond the retention, a 0,0 fix, valid=false, a 900 km accuracy', async () => {
    const { id, deviceId } = (await register({ deviceId: 'queue-phone-0001' })).json();
    const s = nowSeconds();
    // The app's retry loop: it resends its oldest buffered fix until it gets a 2xx, then sends the next.
    const queue = [
      `lat=52.1&lon=5.1&timestamp=${s - 40 * 24 * 3600}`, // buffered for 40 days: beyond the 30-day retention
      `lat=52.2&lon=5.2&timestamp=${s}`, // a good fix
      `lat=0&lon=0&timestamp=${s + 1}`, // no GPS fix yet
      `lat=52.3&lon=5.3&timestamp=${s + 2}&valid=false`,
      `lat=52.4&lon=5.4&timestamp=${s + 3}&accuracy=900000`,
      `lat=52.5&lon=5.5&timestamp=${s + 600}`, // the phone's clock 10 minutes ahead
    ];
    const answers = [];
    for (const fix of queue) {
      const response = await t.app.inject({ method: 'POST', url: `/osmand?id=${deviceId}&${fix}` });
      expect(response.statusCode).toBe(200); // anything else and the phone would resend this one forever
      answers.push(response.json());
    }
    expect(answers).toEqual([
      { stored: 0, duplicatesInRequest: 0, expired: 1 },
      { stored: 1, duplicatesInRequest: 0 },
      { stored: 1, duplicatesInRequest: 0, filtered: 1 },
      { stored: 1, duplicatesInRequest: 0, filtered: 1 },
      { stored: 1, duplicatesInRequest: 0, filtered: 1 },
      { stored: 1, duplicatesInRequest: 0, filtered: 1 },
    ]);
    // Only the good fix is the latest position and in default history; the others are there with their reasons.
    expect(await latest(id)).toMatchObject({ lat: 52.2 });
    expect((await history(id)).map((p: { lat: number }) => p.lat)).toEqual([52.2]);
    expect((await history(id, '&include=filtered')).map((p: { lat: number; filtered?: string }) => [p.lat, p.filtered ?? null])).toEqual([
      [52.2, null],
      [0, 'zero-fix'],
      [52.3, 'invalid-fix'],
      [52.4, 'low-accuracy'],
      [52.5, 'future-clock'],
    ]);
    const nearby = await t.app.inject({ method: 'GET', url: '/positions/nearby?lat=52.5&lon=5.5&radius=1000', headers: { 'x-api-key': 'fleet-key' } });
    expect(nearby.json().items).toEqual([]); // a filtered fix never enters the geo index
  });

  test('the JSON form\'s batch is acknowledged whole when one location comes from a clock ahead', async () => {
    const { id, deviceId } = (await register({ deviceId: 'json-batch-0001' })).json();
    const at = (offsetSeconds: number) => new Date(Date.now() - 60_000 + offsetSeconds * 1000).toISOString();
    const response = await t.app.inject({
      method: 'POST',
      url: '/osmand',
      payload: {
        device_id: deviceId,
        location: [
          { timestamp: at(0), coords: { latitude: 50.1, longitude: 4.1 } },
          { timestamp: at(3600), coords: { latitude: 50.2, longitude: 4.2 } },
          { timestamp: at(10), coords: { latitude: 50.3, longitude: 4.3 } },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ stored: 3, duplicatesInRequest: 0, filtered: 1 });
    expect(await latest(id)).toMatchObject({ lat: 50.3 });
  });

  test('measurements out of any plausible range, a clock years ahead, an old backlog: all acknowledged, none blocks the queue', async () => {
    const { id, deviceId } = (await register({ deviceId: 'odd-values-0001' })).json();
    const s = nowSeconds();
    const send = (query: string) => t.app.inject({ method: 'POST', url: `/osmand?id=${deviceId}&${query}` });
    for (const query of [`lat=51.1&lon=3.1&timestamp=${s}&speed=1200`, `lat=51.2&lon=3.2&timestamp=${s + 1}&hdop=150&altitude=-1500&batt=-1`]) {
      const response = await send(query);
      expect({ query, status: response.statusCode, body: response.json() }).toEqual({ query, status: 200, body: { stored: 1, duplicatesInRequest: 0, filtered: 1 } });
    }
    const json = await t.app.inject({
      method: 'POST',
      url: '/osmand',
      payload: { device_id: deviceId, location: { timestamp: new Date(Date.now() - 5000).toISOString(), coords: { latitude: 51.3, longitude: 3.3, speed: 700 } } },
    });
    expect(json.json()).toEqual({ stored: 1, duplicatesInRequest: 0, filtered: 1 });
    expect((await send('lat=51.4&lon=3.4&timestamp=9000000000000000')).json()).toEqual({ stored: 0, duplicatesInRequest: 0, discarded: 1 });
    const filtered = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?include=filtered`, headers: { 'x-api-key': 'fleet-key' } });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json().items.map((p: { filtered?: string }) => p.filtered)).toEqual(['out-of-range', 'out-of-range', 'out-of-range']);
    expect(filtered.json().items[0].speed).toBeUndefined(); // the impossible value is not kept

    // Only a backlog older than the retention: nothing stored, and the phone still counts as reporting.
    const { id: quiet, deviceId: quietDevice } = (await register({ deviceId: 'old-backlog-0001' })).json();
    expect((await t.app.inject({ method: 'POST', url: `/osmand?id=${quietDevice}&lat=51&lon=3&timestamp=${s - 40 * 86400}` })).json()).toEqual({ stored: 0, duplicatesInRequest: 0, expired: 1 });
    expect(await latest(quiet)).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: `/vehicles/${quiet}`, headers: { 'x-api-key': 'fleet-key' } })).json().status).toBe('online');
  });

  test('the JSON API stays strict about clocks, but flags implausible fixes the same way', async () => {
    const { id } = (await register()).json();
    const post = (body: object) => t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, headers: { 'x-api-key': 'fleet-key' }, payload: body });
    const future = await post({ lat: 1, lon: 1, timestamp: new Date(Date.now() + 3600_000).toISOString() });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([expect.objectContaining({ field: 'timestamp' })]);
    expect((await post({ lat: 1, lon: 1, timestamp: Date.now() - 120_000 })).json()).toEqual({ stored: 1, duplicatesInRequest: 0 });
    expect((await post({ lat: 0, lon: 0, timestamp: Date.now() - 60_000 })).json()).toEqual({ stored: 1, duplicatesInRequest: 0, filtered: 1 });
    expect(await latest(id)).toMatchObject({ lat: 1 });
  });
});

describe('rejections store nothing', () => {
  test('an unknown device id gets the same 401 as any other unknown id, and nothing is stored', async () => {
    const a = await t.app.inject({ method: 'POST', url: `/osmand?id=nobody-1&lat=1&lon=1&timestamp=${nowSeconds()}` });
    const b = await t.app.inject({ method: 'POST', url: '/osmand', payload: { device_id: 'nobody-2', location: { timestamp: new Date().toISOString(), coords: { latitude: 1, longitude: 1 } } } });
    for (const response of [a, b]) {
      expect(response.statusCode).toBe(401);
      expect(response.json().detail).toBe('Unknown device: register a vehicle with this deviceId first');
    }
  });

  test.each([
    ['id=malformed-dev&lat=abc&lon=1', 'lat', 'must be a number'],
    ['id=malformed-dev&lat=95&lon=1', 'lat', 'must be between -90 and 90'],
    ['lat=1&lon=1', 'id', 'is required (the device identifier)'],
    ['id=malformed-dev&lat=1&lon=1&speed=fast', 'speed', 'must be a number'],
    ['id=malformed-dev&lat=1&lon=1&timestamp=yesterday', 'timestamp', 'must be'],
  ])('?%s is a 400 naming %s, with nothing stored', async (query, field, message) => {
    const { id } = (await register({ deviceId: `malformed-${Math.random().toString(36).slice(2, 8)}` })).json();
    const response = await t.app.inject({ method: 'POST', url: `/osmand?${query.replace('malformed-dev', (await t.app.inject({ method: 'GET', url: `/vehicles/${id}`, headers: { 'x-api-key': 'fleet-key' } })).json().deviceId)}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toContainEqual({ field, message: expect.stringContaining(message) });
    expect(await history(id)).toEqual([]);
  });

  test('malformed input is a 400 even for an unknown id (no oracle for which ids exist)', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/osmand?id=nobody-3&lat=abc&lon=1' });
    expect(response.statusCode).toBe(400);
  });
});
