import { generateOpenApiDocument } from '../../functions/api/openapi/generate';
import { OSMAND_QUERY_FIELDS } from '../../functions/api/protocols/osmand';
import { DOCS_CSP } from '../../functions/api/routes/docs';
import { EXAMPLE_TIME_MS, exampleEpochMs, exampleEpochSeconds, exampleIso, withCurrentExampleTimes } from '../../functions/api/openapi/example-times';
import { TestApp, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ apiKeys: ['k-1', 'k-2'] });
});
afterAll(() => t.close());

describe('API keys', () => {
  test.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'k-3' }],
    ['an empty key', { 'x-api-key': '' }],
  ])('%s on a protected route is a 401 problem', async (_name, headers) => {
    const response = await t.app.inject({ method: 'GET', url: '/vehicles', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ title: 'Unauthorized', detail: 'A valid x-api-key header is required' });
  });

  test('any configured key is accepted (two keys allow rotation without downtime)', async () => {
    for (const key of ['k-1', 'k-2']) {
      expect((await t.app.inject({ method: 'GET', url: '/vehicles', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    }
  });

  test('health and docs stay open', async () => {
    for (const url of ['/health', '/health/ready', '/docs', '/docs/json']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });

  test('an unknown route with a key is a 404 problem', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/trucks', headers: { 'x-api-key': 'k-1' } });
    expect(response.statusCode).toBe(404);
    expect(response.json().detail).toBe('No route GET /trucks; see /docs');
  });
});

describe('API documentation', () => {
  test('/docs is Swagger UI: relative asset URLs (so a stage prefix survives), its own CSP, the page headers', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await t.app.inject({ method: 'GET', url });
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets).toContain(url === '/docs' ? './docs/static/swagger-ui-bundle.js' : './static/swagger-ui-bundle.js');
      // Behind API Gateway the same page is /prod/docs: every asset must resolve under /prod, and be served.
      for (const asset of assets) {
        const resolved = new URL(asset, `https://abc.execute-api.us-east-1.amazonaws.com/prod${url}`).pathname;
        expect(resolved).toMatch(/^\/prod\/docs\//);
        const served = await t.app.inject({ method: 'GET', url: resolved.slice('/prod'.length) });
        expect([asset, served.statusCode]).toEqual([asset, 200]);
      }
      expect(page.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    }
    // Swagger UI's own redirect (from its index.html) stays under the stage too.
    const redirect = await t.app.inject({ method: 'GET', url: '/docs/static/index.html' });
    expect(redirect.statusCode).toBe(302);
    expect(new URL(String(redirect.headers.location), 'https://abc.execute-api.us-east-1.amazonaws.com/prod/docs/static/index.html').pathname).toBe('/prod/docs/');
    // …also with a query string (the plugin's own redirect would point at itself).
    const withQuery = await t.app.inject({ method: 'GET', url: '/docs/static/index.html?from=bookmark' });
    expect(new URL(String(withQuery.headers.location), 'https://abc.execute-api.us-east-1.amazonaws.com/prod/docs/static/index.html?from=bookmark').pathname).toBe('/prod/docs/');
    // JSON answers are not pages: no CSP, but no sniffing either.
    const json = await t.app.inject({ method: 'GET', url: '/health' });
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['content-security-policy']).toBeUndefined();
  });

  test('a reload of Swagger UI\'s script is a 304: the validators pass through to the docs instance and back', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect([first.statusCode, first.headers['content-type']]).toEqual([200, expect.stringContaining('javascript')]);
    expect(first.rawPayload.length).toBeGreaterThan(1_000_000);
    const again = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js', headers: { 'if-none-match': String(first.headers.etag) } });
    expect([again.statusCode, again.rawPayload.length]).toEqual([304, 0]);
  });

  test('the served OpenAPI document is the one the route schemas generate (else: npm run openapi), with this API as its server', async () => {
    const { servers, ...served } = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    // …with the examples' times moved to today (see the next test).
    expect(served).toEqual(JSON.parse(withCurrentExampleTimes(JSON.stringify(await generateOpenApiDocument()), Date.now())));
    // Relative to /docs/json: "Try it out" calls the API these docs came from, stage prefix included.
    expect(servers).toEqual([expect.objectContaining({ url: '..' })]);
    expect(new URL('..', 'https://abc.execute-api.us-east-1.amazonaws.com/prod/docs/json').pathname).toBe('/prod/');
    const yaml = await t.app.inject({ method: 'GET', url: '/docs/yaml' });
    expect([yaml.statusCode, yaml.body]).toEqual([200, expect.stringContaining('/vehicles/{id}/positions:')]);
  });

  test('example times are served moved to today, whole days, so "Try it out" stays inside the retention', async () => {
    const document = JSON.stringify({ a: exampleIso(), b: exampleIso(5).replace('.250Z', 'Z'), c: `t=${exampleEpochSeconds()}&x`, d: exampleEpochMs(), keep: [1000000, 2000, '2025-01-01T00:00:00Z', 1795854930] });
    const later = EXAMPLE_TIME_MS + 40 * 86_400_000 + 3 * 3_600_000; // 40 days and 3 hours on
    const moved = JSON.parse(withCurrentExampleTimes(document, later));
    expect(moved).toEqual({
      a: new Date(EXAMPLE_TIME_MS + 40 * 86_400_000).toISOString(),
      b: new Date(EXAMPLE_TIME_MS + 40 * 86_400_000 + 5000).toISOString().replace('.250Z', 'Z'),
      c: `t=${exampleEpochSeconds() + 40 * 86_400}&x`,
      d: exampleEpochMs() + 40 * 86_400_000,
      keep: [1000000, 2000, '2025-01-01T00:00:00Z', 1795854930],
    });
    // Just after the examples' own time of day, they are still yesterday's: never in the future.
    expect(JSON.parse(withCurrentExampleTimes(document, EXAMPLE_TIME_MS + 86_400_000 + 60_000)).a).toBe(exampleIso());
    // What /docs/json serves 40 days on: the positions example is from that day, not the generation day.
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
      expect(spec.paths['/vehicles/{id}/positions'].post.requestBody.content['application/json'].examples.example1.value.timestamp).toBe(moved.a);
    } finally {
      clock.mockRestore();
    }
  });

  test('/docs/json is an OpenAPI 3 document with every route and its units', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).sort()).toEqual(
      ['/events', '/events/changes', '/fleets/{fleetId}', '/geofences', '/geofences/{id}', '/health', '/health/ready', '/osmand', '/positions', '/positions/nearby', '/vehicles', '/vehicles/{id}', '/vehicles/{id}/events', '/vehicles/{id}/position', '/vehicles/{id}/positions', '/vehicles/{id}/stops', '/vehicles/{id}/trips', '/webhooks', '/webhooks/{id}', '/webhooks/{id}/secret'].sort(),
    );
    const body = JSON.stringify(spec.paths['/vehicles/{id}/positions'].post.requestBody);
    expect(body).toContain('Ground speed, km/h');
    expect(spec.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', name: 'x-api-key', in: 'header' });
  });

  test('every body field and query parameter says what it is; every number its range; every body has an example', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const gaps: string[] = [];
    const fields = (schema: Schema, at: string): void => {
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        if (!field.description) gaps.push(`${at}.${name}: no description`);
        const numeric = [field, ...(field.anyOf ?? [])].some((f) => f.type === 'number' || f.type === 'integer');
        const ranged = [field, ...(field.anyOf ?? [])].some((f) => f.minimum !== undefined || f.maximum !== undefined || f.exclusiveMinimum !== undefined);
        if (numeric && !ranged) gaps.push(`${at}.${name}: a number without a range`);
        for (const inner of [field, ...(field.anyOf ?? [])]) if (inner.properties) fields(inner, `${at}.${name}`);
      }
    };
    for (const [path, operations] of Object.entries(spec.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const at = `${method.toUpperCase()} ${path}`;
        for (const parameter of operation.parameters ?? []) if (!parameter.description) gaps.push(`${at} ?${parameter.name}: no description`);
        for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
          if (media.example === undefined && media.examples === undefined) gaps.push(`${at} ${type}: no example`);
          for (const schema of [media.schema, ...(media.schema.anyOf ?? []), media.schema.items ?? {}]) fields(schema, `${at} body`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  test('every request example in the docs is accepted by its route as written', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const headers = { 'x-api-key': 'k-1' };
    // The ids the examples name exist (the vehicles and a tracker the OsmAnd examples report as).
    for (const id of ['van-042', 'truck-7']) await t.app.inject({ method: 'POST', url: '/vehicles', headers, payload: { id, name: id, ...(id === 'truck-7' && { deviceId: 'a1b2c3d4e5f6g7h8' }) } });
    await t.app.inject({ method: 'DELETE', url: '/vehicles/van-042', headers }); // POST /vehicles' own example creates it again
    // The id in a path, by collection: the examples' own, or the one the collection's POST example created.
    const ids: Record<string, string> = { vehicles: 'van-042', fleets: 'north' };
    const tried: string[] = [];
    // Creations first, so the changes after them find what they change.
    const order = (method: string) => ['post', 'patch', 'delete'].indexOf(method);
    const operations = Object.entries(spec.paths as Record<string, Record<string, Operation>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, operation]) => ({ path, method, operation })))
      .sort((a, b) => order(a.method) - order(b.method));
    for (const { path, method, operation } of operations) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        const examples = media.example !== undefined ? [media.example] : Object.values(media.examples ?? {}).map((e) => e.value);
        for (const example of examples) {
          const url = path.replace(/\{\w+\}/, () => ids[path.split('/')[1]] ?? 'missing');
          const response = await t.app.inject({ method: method.toUpperCase() as 'POST', url, headers: { ...headers, 'content-type': type }, payload: typeof example === 'string' ? example : JSON.stringify(example) });
          tried.push(`${method} ${path} ${type}`);
          expect([method, path, type, response.statusCode, response.statusCode < 300 ? '' : response.body]).toEqual([method, path, type, expect.any(Number), '']);
          if (method === 'post' && (path === '/geofences' || path === '/webhooks')) ids[path.slice(1)] ??= response.json().id;
        }
      }
    }
    expect(tried.length).toBeGreaterThanOrEqual(13);
  });

  test('/osmand documents the parameters its parser reads, with units, ranges and examples, and both body forms', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const parameters = spec.paths['/osmand'].get.parameters as { name: string; description: string; example: unknown; schema: Schema }[];
    expect(parameters.map((p) => p.name).sort()).toEqual(Object.keys(OSMAND_QUERY_FIELDS).sort());
    expect(parameters.find((p) => p.name === 'speed')).toMatchObject({ description: expect.stringContaining('knots'), schema: { minimum: 0, maximum: 1100 }, example: expect.any(Number) });
    expect(Object.keys(spec.paths['/osmand'].post.requestBody.content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(JSON.stringify(spec.paths['/osmand'].post.requestBody.content['application/json'].schema)).toContain('Ground speed in m/s');
  });
});

interface Schema {
  type?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  items?: Schema;
}
interface Operation {
  parameters?: { name: string; description?: string }[];
  requestBody?: { content: Record<string, { schema: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }> };
}
