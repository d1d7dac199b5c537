import * as crypto from 'crypto';
import { generateOpenApiDocument } from '../../functions/api/openapi/generate';
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
  test('/docs carries a CSP that allows its own inline style (by hash) and nothing else, and the page headers', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    const css = /<style>([\s\S]*?)<\/style>/.exec(page.body)![1];
    const hash = `'sha256-${crypto.createHash('sha256').update(css).digest('base64')}'`;
    expect(page.headers['content-security-policy']).toBe(`default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; style-src ${hash}`);
    expect(page.body).not.toMatch(/<script|style="/); // nothing the policy would block
    expect(page.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    // JSON answers are not pages: no CSP, but no sniffing either.
    const json = await t.app.inject({ method: 'GET', url: '/health' });
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['content-security-policy']).toBeUndefined();
  });

  test('the served OpenAPI document is the one the route schemas generate (else: npm run openapi)', async () => {
    const served = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(served).toEqual(await generateOpenApiDocument());
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

  test('/docs is a readable HTML page listing the routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('<code>/vehicles/{id}/positions</code>');
    expect(response.body).toContain('Position history in time order, paginated');
    // Body fields too, with their units.
    expect(response.body).toContain('<code>speed</code> (body, number) Ground speed, km/h');
    expect(response.body).toContain('<code>name</code> (body, string, required) Display name');
    expect(response.body).toContain('<code>plate</code> (body, string or null) null removes it');
    // A nested body field is listed with its unit and range (from config/trackers.ts).
    expect(response.body).toContain('<code>positionFilter.minIntervalSeconds</code> (body, integer or null) Time-based: a fix sooner than this after the last kept fix is filtered (`too-soon`). 0 turns it off. In seconds, 0–3600.');
    const slash = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect({ status: slash.statusCode, location: slash.headers.location }).toEqual({ status: 301, location: '/docs' });
  });
});
