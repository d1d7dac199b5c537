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
    await register({ id: 'fixed-id-2', deviceId: 'dev-first' });
    const clash = await register({ id: 'fixed-id-2', deviceId: 'dev-second' }); // vehicle id taken
    expect(clash.statusCode).toBe(409);
    expect((await register({ deviceId: 'dev-second' })).statusCode).toBe(201);
  });

  test('deleting the vehicle frees its device id; reports for it are then refused', async () => {
    const { id } = (await register({ deviceId: 'dev-gone' })).json();
    await t.app.inject({ method: 'DELETE', url: `/vehicles/${id}`, headers: { 'x-api-key': 'fleet-key' } });
    const report = await t.app.inject({ method: 'POST', url: `/osmand?id=dev-gone&lat=1&lon=1&timestamp=${nowSeconds()}` });
    expect(report.statusCode).toBe(401);
    expect((await register({ deviceId: 'dev-gone' })).statusCode).toBe(201);
  });
});

describe('Traccar Client query-string form', () => {
  test('the exact request line of the app is stored with converted units (knots to km/h), without an API key', async () => {
    const { id } = (await register({ deviceId: '841237' })).json();
    const ts = nowSeconds();
    // As Traccar Client sends it: POST with every parameter in the URL and an empty body.
    const response = await t.app.inject({
      method: 'POST',
      url: `/osmand?id=841237&timestamp=${ts}&lat=52.3702157&lon=4.8951679&speed=10.0&bearing=87.5&altitude=12.4&accuracy=4.9&batt=76.0&charge=true`,
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
    const { id } = (await register({ deviceId: 'form-device' })).json();
    const ms = Date.now() - 60_000;
    const get = await t.app.inject({ method: 'GET', url: `/osmand?deviceid=form-device&location=10.5,20.25&timestamp=${ms}&hdop=0.9&ignition=true` });
    expect(get.statusCode).toBe(200);
    const plain = new Date(Date.now() - 120_000).toISOString().slice(0, 19).replace('T', ' ');
    const form = await t.app.inject({
      method: 'POST',
      url: '/osmand',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `id=form-device&lat=11&lon=21&timestamp=${encodeURIComponent(plain)}`,
    });
    expect(form.statusCode).toBe(200);
    const stored = await history(id);
    expect(stored).toEqual([
      expect.objectContaining({ lat: 11, lon: 21, timestamp: `${plain.replace(' ', 'T')}.000Z` }),
      expect.objectContaining({ lat: 10.5, lon: 20.25, timestamp: new Date(ms).toISOString(), attributes: { hdop: 0.9, ignition: true } }),
    ]);
  });

  test('resending the same report does not duplicate it', async () => {
    const { id } = (await register({ deviceId: 'resender' })).json();
    const url = `/osmand?id=resender&lat=1&lon=2&timestamp=${nowSeconds()}`;
    await t.app.inject({ method: 'POST', url });
    await t.app.inject({ method: 'POST', url });
    expect(await history(id)).toHaveLength(1);
  });
});

describe('Traccar Client JSON form', () => {
  test('is stored with converted units (m/s to km/h, battery 0..1 to percent); -1 means unknown', async () => {
    const { id } = (await register({ deviceId: 'json-phone' })).json();
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
        device_id: 'json-phone',
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
    ['id=malformed-dev&lat=1&lon=1&speed=-3', 'speed', 'must be between 0 and 1100'],
    ['id=malformed-dev&lat=1&lon=1&bearing=400', 'bearing', 'must be between 0 and 360'],
    ['lat=1&lon=1', 'id', 'is required (the device identifier)'],
    [`id=malformed-dev&lat=1&lon=1&timestamp=${Math.floor(Date.now() / 1000) + 3600}`, 'timestamp', 'is more than 5 minutes in the future'],
    ['id=malformed-dev&lat=1&lon=1&timestamp=4102444800', 'timestamp', 'is older than'], // >= 2^31: milliseconds, as Traccar reads it
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
