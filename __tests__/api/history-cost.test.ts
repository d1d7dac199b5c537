import { FaultyTestApp, createVehicle, iso, startTestAppBehindFaultyProxy } from '../helpers/test-app';

/**
 * What a page of history costs in DynamoDB Queries, counted on the wire: knowing whether a page is
 * the last one (no cursor to an empty page) must not cost a second read when a position follows.
 */
let t: FaultyTestApp;
beforeAll(async () => {
  t = await startTestAppBehindFaultyProxy();
});
afterAll(() => t.close());

const MIN = 60_000;
/** A vehicle with `kept` ordinary fixes, then `zeros` fixes a GPS chip reports as 0,0 (stored as filtered). */
async function vehicleWith(kept: number, zeros = 0): Promise<{ id: string; from: string }> {
  const { id } = await createVehicle(t.app);
  const start = Date.now() - 60 * MIN;
  const fixes = Array.from({ length: kept + zeros }, (_, i) => ({ lat: i < kept ? 52 : 0, lon: i < kept ? 5 + i * 0.001 : 0, timestamp: iso(start + i * MIN) }));
  expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).statusCode).toBe(200);
  return { id, from: iso(start) };
}

async function queriesFor(url: string): Promise<{ queries: number; body: { items: unknown[]; nextCursor: string | null } }> {
  t.proxy.operations.clear();
  const response = await t.app.inject({ method: 'GET', url });
  expect(response.statusCode).toBe(200);
  return { queries: t.proxy.operations.get('Query') ?? 0, body: response.json() };
}

test('a page with positions after it: one Query, and a cursor', async () => {
  const { id, from } = await vehicleWith(12);
  const { queries, body } = await queriesFor(`/vehicles/${id}/positions?from=${from}&limit=5`);
  expect(body.items).toHaveLength(5);
  expect(body.nextCursor).toEqual(expect.any(String));
  expect(queries).toBe(1);
});

test('a page that ends exactly at the range\'s end: one Query, and no cursor', async () => {
  const { id, from } = await vehicleWith(12);
  const { queries, body } = await queriesFor(`/vehicles/${id}/positions?from=${from}&limit=12`);
  expect(body).toMatchObject({ nextCursor: null });
  expect(body.items).toHaveLength(12);
  expect(queries).toBe(1);
});

test('a full page followed only by fixes that do not count: at most two more key-only Queries, and no cursor', async () => {
  const { id, from } = await vehicleWith(12, 30);
  const { queries, body } = await queriesFor(`/vehicles/${id}/positions?from=${from}&limit=12`);
  expect(body).toMatchObject({ nextCursor: null });
  expect(queries).toBeLessThanOrEqual(3);
});
