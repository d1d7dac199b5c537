import { TestApp, startTestApp } from '../helpers/test-app';

/** The map page's HTTP contract (the browser tests show what it does). */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ apiKeys: ['k1'] });
});
afterAll(() => t.close());

test('/map is public, allows exactly what MapLibre and the tile server need, and sends the origin to tile servers', async () => {
  const page = await t.app.inject({ method: 'GET', url: '/map' });
  expect(page.statusCode).toBe(200);
  const csp = String(page.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain('worker-src blob:');
  expect(csp).toContain('img-src \'self\' data: blob: https://tile.openstreetmap.org');
  expect(csp).not.toContain('unsafe-inline');
  expect(page.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(page.body).not.toMatch(/<script>|<style>|style="/);
  expect(page.body).toContain('data-poll-interval-seconds="5"');
});

test('/map/ redirects relatively, so the stage prefix in front of it survives', async () => {
  const response = await t.app.inject({ method: 'GET', url: '/map/?fleetId=north' });
  expect(response.statusCode).toBe(301);
  expect(response.headers.location).toBe('../map?fleetId=north');
  // Resolved as a browser would behind API Gateway's stage:
  expect(new URL(response.headers.location as string, 'https://abc.execute-api.us-east-1.amazonaws.com/prod/map/?fleetId=north').href).toBe(
    'https://abc.execute-api.us-east-1.amazonaws.com/prod/map?fleetId=north',
  );
});

test('the script and stylesheet are public, and a reload revalidates them (304)', async () => {
  for (const url of ['/map/map.js', '/map/map.css']) {
    const first = await t.app.inject({ method: 'GET', url });
    expect([url, first.statusCode, first.body.length > 1000]).toEqual([url, 200, true]);
    const again = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': first.headers.etag as string } });
    expect([url, again.statusCode]).toEqual([url, 304]);
  }
}, 60_000);
