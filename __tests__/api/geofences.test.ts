import { TestApp, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const square = (lon: number, lat: number, size: number) => [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]];
const create = (body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/geofences', payload: body });
const depot = { name: 'Depot', geometry: { type: 'Polygon', coordinates: [square(4.89, 52.37, 0.01)] }, fleetId: 'north' };

describe('geofences', () => {
  test('create, read, list by fleet, change, delete', async () => {
    const created = await create({ ...depot, id: 'depot-1', speedLimitKmh: 15 });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/geofences/depot-1');
    expect(created.json()).toMatchObject({ id: 'depot-1', name: 'Depot', fleetId: 'north', vehicleIds: null, speedLimitKmh: 15, geometry: depot.geometry });
    const circle = (await create({ name: 'Customer', geometry: { type: 'Circle', center: [5, 52], radius: 250 } })).json();
    expect(circle.id).toMatch(/^g_[a-z2-7]{20}$/);

    expect((await t.app.inject({ method: 'GET', url: '/geofences/depot-1' })).json()).toEqual(created.json());
    const north = (await t.app.inject({ method: 'GET', url: '/geofences?fleetId=north' })).json();
    expect(north.items.map((g: { id: string }) => g.id)).toEqual(['depot-1']);

    const changed = await t.app.inject({ method: 'PATCH', url: '/geofences/depot-1', payload: { name: 'Main depot', speedLimitKmh: null, fleetId: null, vehicleIds: ['van-7'] } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Main depot', speedLimitKmh: null, fleetId: null, vehicleIds: ['van-7'], geometry: depot.geometry });
    expect((await t.app.inject({ method: 'GET', url: '/geofences?fleetId=north' })).json().items).toEqual([]);

    expect((await t.app.inject({ method: 'DELETE', url: '/geofences/depot-1' })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/geofences/depot-1' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/geofences/depot-1' })).statusCode).toBe(404);
  });

  test('an id that is taken is a 409 and the first geofence is untouched', async () => {
    expect((await create({ ...depot, id: 'taken' })).statusCode).toBe(201);
    expect((await create({ ...depot, id: 'taken', name: 'Other' })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'GET', url: '/geofences/taken' })).json().name).toBe('Depot');
  });

  test.each([
    ['an open ring', 'geometry.coordinates[0]', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }],
    ['a bow tie', 'geometry.coordinates[0]', { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] }],
    ['a latitude out of range', 'geometry.coordinates[0][1][1]', { type: 'Polygon', coordinates: [[[0, 0], [1, 95], [1, 0], [0, 0]]] }],
    ['a position that is not a pair', 'geometry.coordinates[0][0][1]', { type: 'MultiPolygon', coordinates: [[[[0, 0], 'x', [1, 0], [0, 0]]]] }],
    ['a radius of 5 m', 'geometry.radius', { type: 'Circle', center: [0, 0], radius: 5 }],
    ['a circle without a centre', 'geometry.center', { type: 'Circle', radius: 100 }],
    ['coordinates on a circle', 'geometry.coordinates', { type: 'Circle', center: [0, 0], radius: 100, coordinates: [] }],
    ['an unknown type', 'geometry.type', { type: 'LineString', coordinates: [[0, 0], [1, 1]] }],
    ['an unknown field', 'geometry.colour', { type: 'Circle', center: [0, 0], radius: 100, colour: 'red' }],
  ])('%s is a 400 naming %s, and nothing is stored', async (_what, field, geometry) => {
    const response = await create({ id: 'refused', name: 'Bad', geometry });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await t.app.inject({ method: 'GET', url: '/geofences/refused' })).statusCode).toBe(404);
  });

  test('more than 1000 positions is a 400 without walking them; a fleet and a vehicle list together is a 400', async () => {
    const ring = Array.from({ length: 1200 }, (_, i) => [Math.cos(i / 200), Math.sin(i / 200)]);
    const big = await create({ name: 'Big', geometry: { type: 'Polygon', coordinates: [ring] } });
    expect(big.statusCode).toBe(400);
    expect(big.json().errors).toEqual([{ field: 'geometry.coordinates', message: 'must have at most 1000 positions in all (has 1200)' }]);
    const both = await create({ ...depot, vehicleIds: ['van-7'] });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].field).toBe('vehicleIds');
  });

  test('a PATCH with a bad geometry changes nothing', async () => {
    expect((await create({ ...depot, id: 'stable' })).statusCode).toBe(201);
    const response = await t.app.inject({ method: 'PATCH', url: '/geofences/stable', payload: { name: 'Renamed', geometry: { type: 'Circle', center: [0, 0], radius: 1e9 } } });
    expect(response.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/geofences/stable' })).json()).toMatchObject({ name: 'Depot', geometry: depot.geometry });
    expect((await t.app.inject({ method: 'PATCH', url: '/geofences/nope', payload: { name: 'x' } })).statusCode).toBe(404);
  });

  test('a ring across the antimeridian is accepted as sent', async () => {
    const fiji = { type: 'Polygon', coordinates: [[[179, -17], [-179, -17], [-179, -16], [179, -16], [179, -17]]] };
    const response = await create({ name: 'Fiji', geometry: fiji });
    expect(response.statusCode).toBe(201);
    expect(response.json().geometry).toEqual(fiji);
  });
});
