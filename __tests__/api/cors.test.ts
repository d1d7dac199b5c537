import { CORS_POLICY } from '../../config/cors';
import { TestApp, startTestApp } from '../helpers/test-app';

/** Issue 14: browser dashboards on other origins, allowed by config (none by default). */
const DASHBOARD = 'https://fleet.example.com';
const preflight = (t: TestApp, origin: string, url = '/vehicles') =>
  t.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' } });

describe('CORS with an allowed origin (and API keys required)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiKeys: ['k1'], corsOrigins: [DASHBOARD] });
  });
  afterAll(() => t.close());

  test('a preflight from it is answered without a key, allowing the methods and headers the API uses', async () => {
    const response = await preflight(t, DASHBOARD);
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(String(response.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    expect(String(response.headers['access-control-allow-headers'])).toContain('x-api-key');
    expect(response.headers['access-control-max-age']).toBe(String(CORS_POLICY.maxAgeSeconds));
  });

  test('its requests still need the key; answered ones (errors too) say which origin may read them', async () => {
    const refused = await t.app.inject({ method: 'GET', url: '/vehicles', headers: { origin: DASHBOARD } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(DASHBOARD);
    const served = await t.app.inject({ method: 'GET', url: '/vehicles', headers: { origin: DASHBOARD, 'x-api-key': 'k1' } });
    expect(served.statusCode).toBe(200);
    expect(served.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(String(served.headers.vary)).toMatch(/origin/i);
    expect(String(served.headers['access-control-expose-headers'])).toContain('etag');
  });

  test('another origin gets no CORS headers, so its browser keeps the answer from it', async () => {
    const response = await preflight(t, 'https://evil.example.net');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const get = await t.app.inject({ method: 'GET', url: '/vehicles', headers: { origin: 'https://evil.example.net', 'x-api-key': 'k1' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('unknown paths stay 404 and known ones 405 for other methods (the preflight route hides nothing)', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-api-key': 'k1' } })).statusCode).toBe(404);
    const wrong = await t.app.inject({ method: 'PUT', url: '/vehicles', headers: { 'x-api-key': 'k1' } });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).not.toContain('OPTIONS');
  });
});

describe('CORS by default (no origins)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiKeys: ['k1'] });
  });
  afterAll(() => t.close());

  test('no CORS headers at all, and a preflight is not answered as one', async () => {
    const response = await preflight(t, DASHBOARD);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.statusCode).not.toBe(204);
    const get = await t.app.inject({ method: 'GET', url: '/vehicles', headers: { origin: DASHBOARD, 'x-api-key': 'k1' } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});
