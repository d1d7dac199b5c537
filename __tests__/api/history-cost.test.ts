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

test('an export with a small limit past a long run of fixes that do not count: bounded Queries per document, every kept fix once', async () => {
  // (A run this long: a parked tracker's hours of fixes, thinned by the position filter and stored as filtered.)
  const { id } = await createVehicle(t.app);
  const start = Date.now() - 3 * 3600_000;
  // 3 kept, 5,000 filtered (0,0), 3 kept, one second apart.
  const fixes = Array.from({ length: 5006 }, (_, i) => {
    const kept = i < 3 || i >= 5003;
    return { lat: kept ? 52 : 0, lon: kept ? 5 + i * 0.0001 : 0, timestamp: iso(start + i * 1000) };
  });
  for (let i = 0; i < fixes.length; i += 500) expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes.slice(i, i + 500) })).statusCode).toBe(200);
  const times: string[] = [];
  const perDocument: number[] = [];
  let url: string | undefined = `/vehicles/${id}/positions?from=${iso(start)}&format=csv&limit=3`;
  while (url && perDocument.length < 10) {
    t.proxy.operations.clear();
    const response: { statusCode: number; body: string; headers: Record<string, unknown> } = await t.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    perDocument.push(t.proxy.operations.get('Query') ?? 0);
    times.push(...response.body.trimEnd().split('\n').slice(1).map((row) => row.split(',')[0]));
    url = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
  }
  expect(times).toEqual([0, 1, 2, 5003, 5004, 5005].map((i) => fixes[i].timestamp));
  // At most (1 + 10) history() calls of at most 5 rounds, and the two reads that decide the Link.
  expect(Math.max(...perDocument)).toBeLessThanOrEqual(57);
  // Those calls read past ~4,400 of the run (100 items a round after the first), so the second
  // document ends short, empty, and its Link carries on to the last three.
  expect(perDocument).toHaveLength(3);
}, 60_000);
