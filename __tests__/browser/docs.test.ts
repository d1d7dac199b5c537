/// <reference lib="dom" />
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { BrowserSession, openPage, screenshot, startBrowserSession } from '../helpers/browser';

/** Issue 14, in a real browser: /docs is Swagger UI, offline, under its own CSP, and its "Try it out" reaches the API. */
let session: BrowserSession;
beforeAll(async () => {
  session = await startBrowserSession({ apiKeys: ['k1'] });
}, 60_000);
afterAll(() => session?.close());

const POSITIONS = '#operations-positions-post_vehicles__id__positions';

test('/docs renders the positions route with its body fields, units and example; nothing blocked; no key asked', async () => {
  const { page, problems } = await openPage(session.browser, `${session.base}/docs`);
  await page.waitForSelector(POSITIONS, { timeout: 20_000 });
  await page.click(`${POSITIONS} .opblock-summary`);
  // The example value is the documented one, not numbers made up from the ranges.
  await page.waitForSelector(`${POSITIONS} .body-param__example, ${POSITIONS} .highlight-code`, { timeout: 10_000 });
  expect(await page.textContent(POSITIONS)).toContain('52.3702');
  // The schema view lists the fields with their units and ranges.
  await page.click(`${POSITIONS} [data-name="model"]`);
  // Expand the schema's collapsed parts (one body or a batch: an anyOf) as a reader would.
  for (let i = 0; i < 10 && (await page.$(`${POSITIONS} .model-box .model-toggle.collapsed`)); i++) await page.click(`${POSITIONS} .model-box .model-toggle.collapsed >> nth=0`);
  const schema = (await page.textContent(`${POSITIONS} .model-box`))!;
  for (const field of ['lat', 'lon', 'timestamp', 'speed', 'heading', 'accuracy']) expect(schema).toContain(field);
  expect(schema).toContain('Ground speed, km/h');
  expect(schema).toMatch(/\[0, 2000\]|maximum: 2000|<= 2000/);
  const file = await screenshot(page, 'docs');
  expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  expect(problems).toEqual([]);
}, 60_000);

/**
 * API Gateway's stage prefix, as a proxy: /prod/<path> reaches the app as /<path>, as the Lambda
 * integration passes it; anything outside /prod is a 403, as API Gateway answers a missing route.
 */
async function stagePrefixProxy(target: string): Promise<{ base: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (!request.url!.startsWith('/prod/')) return void response.writeHead(403).end('{"message":"Missing Authentication Token"}');
    const upstream = http.request(`${target}${request.url!.slice('/prod'.length)}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`, seen, close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the browser keeps its connections alive
      }),
  };
}

test.each([
  ['as the dev server serves it', false],
  ['behind a stage prefix, as API Gateway serves it (/prod/docs)', true],
])('"Try it out" with the key entered in Authorize stores the documented example through the real API, %s', async (_how, staged) => {
  const proxy = staged ? await stagePrefixProxy(session.base) : undefined;
  try {
    const vehicleId = staged ? 'docs-van-staged' : 'docs-van';
    const vehicle = await session.t.app.inject({ method: 'POST', url: '/vehicles', headers: { 'x-api-key': 'k1' }, payload: { id: vehicleId, name: 'Docs van' } });
    expect(vehicle.statusCode).toBe(201);
    const { page, problems } = await openPage(session.browser, `${proxy?.base ?? session.base}/docs`);
    await page.waitForSelector('.btn.authorize', { timeout: 20_000 });
    await page.click('.btn.authorize');
    await page.fill('.auth-container input', 'k1');
    await page.click('.auth-btn-wrapper .authorize');
    await page.click('.btn-done');
    await page.click(`${POSITIONS} .opblock-summary`);
    await page.click(`${POSITIONS} .try-out__btn`);
    await page.fill(`${POSITIONS} input[placeholder="id"]`, vehicleId);
    await page.click(`${POSITIONS} .execute`);
    const status = `${POSITIONS} .live-responses-table tbody .response-col_status`;
    await page.waitForSelector(status, { timeout: 10_000 });
    expect(await page.textContent(status)).toContain('200');
    await screenshot(page, staged ? 'docs-try-it-out-staged' : 'docs-try-it-out');
    // The fix really is stored: the latest position is the example's.
    const latest = await session.t.app.inject({ method: 'GET', url: `/vehicles/${vehicleId}/position`, headers: { 'x-api-key': 'k1' } });
    expect(latest.json()).toMatchObject({ lat: 52.3702, lon: 4.8952, speed: 42.5 });
    if (proxy) {
      // Everything, the page's assets and the call itself, went under the stage.
      expect(proxy.seen.filter((line) => !line.includes(' /prod/'))).toEqual([]);
      expect(proxy.seen).toContain(`POST /prod/vehicles/${vehicleId}/positions`);
    }
    expect(problems).toEqual([]);
  } finally {
    await proxy?.close();
  }
}, 60_000);
