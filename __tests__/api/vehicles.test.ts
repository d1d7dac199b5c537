import { sharedRedisUrl } from '../helpers/redis';
import { TestApp, createVehicle, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ redisUrl: await sharedRedisUrl() });
});
afterAll(() => t.close());

const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('POST /vehicles', () => {
  test('registers a vehicle with a client-chosen id and returns it with Location', async () => {
    const response = await inject('POST', '/vehicles', {
      id: 'truck-42', name: 'Truck 42', plate: 'AB-123-C', fleetId: 'north', type: 'truck', metadata: { vin: 'WDB123' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe('/vehicles/truck-42');
    expect(response.json()).toMatchObject({
      id: 'truck-42', name: 'Truck 42', plate: 'AB-123-C', fleetId: 'north', type: 'truck', metadata: { vin: 'WDB123' }, position: null,
    });
    expect((await inject('GET', '/vehicles/truck-42')).json().name).toBe('Truck 42');
  });

  test('generates an unguessable id when none is given; type defaults to car', async () => {
    const a = (await inject('POST', '/vehicles', { name: 'A' })).json();
    const b = (await inject('POST', '/vehicles', { name: 'B' })).json();
    expect(a.id).toMatch(/^v_[a-z2-7]{20}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.type).toBe('car');
  });

  test('an existing id is a 409 and the first vehicle is untouched', async () => {
    await createVehicle(t.app, { id: 'dup-1', name: 'First' });
    const response = await inject('POST', '/vehicles', { id: 'dup-1', name: 'Second' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect((await inject('GET', '/vehicles/dup-1')).json().name).toBe('First');
  });

  test.each([
    [{}, 'name', 'is required'],
    [{ name: '' }, 'name', 'must NOT have fewer than 1 characters'],
    [{ name: 'x', id: 'has space' }, 'id', 'must match pattern'],
    [{ name: 'x', type: 'spaceship' }, 'type', 'must be one of: car, van, truck, bus, motorcycle, trailer, other'],
    [{ name: 'x', color: 'red' }, 'color', 'is not a known field'],
    [{ name: 42 }, 'name', 'must be string'],
    [{ name: 'x', metadata: { blob: 'x'.repeat(9000) } }, 'metadata', 'must be at most 8192 bytes of JSON'],
  ])('rejects %j with a 400 naming %s', async (body, field, message) => {
    const response = await inject('POST', '/vehicles', body);
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, instance: '/vehicles' });
    expect(problem.requestId).toBe(response.headers['x-request-id']);
    expect(problem.errors).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});

describe('GET, PATCH, DELETE /vehicles/{id}', () => {
  test('an unknown vehicle is a 404 problem on every verb', async () => {
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const response = await inject(method, '/vehicles/nope', payload);
      expect(response.statusCode).toBe(404);
      expect(response.json().detail).toBe('Vehicle nope does not exist');
    }
  });

  test('PATCH changes the given fields, null removes optional ones, others stay', async () => {
    await createVehicle(t.app, { id: 'patch-1', name: 'Old', plate: 'P-1', fleetId: 'f1', metadata: { a: 1 } });
    const response = await inject('PATCH', '/vehicles/patch-1', { name: 'New', plate: null, metadata: { b: 2 } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: 'patch-1', name: 'New', plate: null, fleetId: 'f1', metadata: { b: 2 } });
    const listed = (await inject('GET', '/vehicles?fleetId=f1')).json().items.map((v: { id: string }) => v.id);
    expect(listed).toContain('patch-1');
    await inject('PATCH', '/vehicles/patch-1', { fleetId: null });
    expect((await inject('GET', '/vehicles?fleetId=f1')).json().items).toEqual([]);
  });

  test('PATCH with nothing to change, or an unknown field, is a 400', async () => {
    await createVehicle(t.app, { id: 'patch-2' });
    expect((await inject('PATCH', '/vehicles/patch-2', {})).statusCode).toBe(400);
    const unknown = await inject('PATCH', '/vehicles/patch-2', { id: 'other' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toContainEqual({ field: 'id', message: 'is not a known field' });
  });

  test('DELETE removes the vehicle (204), then it is gone', async () => {
    await createVehicle(t.app, { id: 'del-1' });
    expect((await inject('DELETE', '/vehicles/del-1')).statusCode).toBe(204);
    expect((await inject('GET', '/vehicles/del-1')).statusCode).toBe(404);
  });
});

describe('GET /vehicles', () => {
  test('pages through a fleet with an opaque cursor, every vehicle exactly once', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `fleet-p-${i}`);
    for (const id of ids) await createVehicle(t.app, { id, fleetId: 'paged' });
    await createVehicle(t.app, { id: 'other-fleet', fleetId: 'elsewhere' });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/vehicles?fleetId=paged&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = (await inject('GET', query)).json();
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((v: { id: string }) => v.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.sort()).toEqual(ids.sort());
  });

  test('without fleetId lists every vehicle across pages', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { items: { id: string }[]; nextCursor: string | null } = (await inject('GET', `/vehicles?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
      all.push(...body.items.map((v: { id: string }) => v.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(all).toEqual(expect.arrayContaining(['fleet-p-0', 'other-fleet', 'truck-42']));
    expect(new Set(all).size).toBe(all.length);
  });

  test('a tampered cursor, or one from another fleet, is a 400 naming cursor', async () => {
    const first = (await inject('GET', '/vehicles?fleetId=paged&limit=2')).json();
    const decoded = JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString());
    decoded.k.vehicleId = 'zzz';
    const tampered = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    for (const url of [
      `/vehicles?fleetId=paged&cursor=${tampered}`,
      `/vehicles?fleetId=elsewhere&cursor=${first.nextCursor}`,
      '/vehicles?cursor=not-a-cursor',
    ]) {
      const response = await inject('GET', url);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'cursor', message: 'is invalid or belongs to another query' }]);
    }
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['fleetId=bad%20id', 'fleetId'],
    ['colour=red', 'colour'],
  ])('?%s is a 400 naming %s', async (query, field) => {
    const response = await inject('GET', `/vehicles?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
