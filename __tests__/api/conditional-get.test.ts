import { TestApp, createVehicle, iso, startTestApp } from '../helpers/test-app';

/** Issue 14: a live map polls; when nothing moved, the answer is a 304 of a few bytes. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const get = (url: string, etag?: string) => t.app.inject({ method: 'GET', url, headers: etag ? { 'if-none-match': etag } : {} });

test('a fleet\'s vehicles: 304 with no body while nothing moved, 200 with a new ETag once one did', async () => {
  const fleetId = `map-${Date.now().toString(36)}`;
  const { id } = await createVehicle(t.app, { fleetId });
  const send = (lat: number) => t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon: 4.9, timestamp: iso(Date.now() - 1000) } });
  expect((await send(52.37)).statusCode).toBe(200);

  const first = await get(`/vehicles?fleetId=${fleetId}`);
  expect(first.statusCode).toBe(200);
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
  expect(first.headers['cache-control']).toBe('private, no-cache'); // keyed data: never a shared cache

  const again = await get(`/vehicles?fleetId=${fleetId}`, etag);
  expect(again.statusCode).toBe(304);
  expect(again.body).toBe('');
  expect(again.headers.etag).toBe(etag);
  // A list of validators, and the strong form of the same tag, match too (weak comparison).
  expect((await get(`/vehicles?fleetId=${fleetId}`, `"other", ${etag.replace('W/', '')}`)).statusCode).toBe(304);

  expect((await send(52.38)).statusCode).toBe(200);
  const moved = await get(`/vehicles?fleetId=${fleetId}`, etag);
  expect(moved.statusCode).toBe(200);
  expect(moved.headers.etag).not.toBe(etag);
  expect(moved.json().items[0].position.lat).toBe(52.38);
});

test('a track and the geofences revalidate the same way; errors and writes get no ETag', async () => {
  const { id } = await createVehicle(t.app, {});
  await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 52.37, lon: 4.9, timestamp: iso(Date.now() - 1000) } });
  for (const url of [`/vehicles/${id}/positions`, `/vehicles/${id}`, '/geofences']) {
    const first = await get(url);
    expect([url, first.statusCode, typeof first.headers.etag]).toEqual([url, 200, 'string']);
    expect([url, (await get(url, first.headers.etag as string)).statusCode]).toEqual([url, 304]);
  }
  const missing = await get('/vehicles/no-such-vehicle');
  expect(missing.statusCode).toBe(404);
  expect(missing.headers.etag).toBeUndefined();
  // Not every read: the event log (its own cursor is the poll) and the hot latest-position read,
  // which devices and gateways call far more often than a map, pay nothing for it.
  expect((await get('/events')).headers.etag).toBeUndefined();
  expect((await get(`/vehicles/${id}/position`)).headers.etag).toBeUndefined();
});
