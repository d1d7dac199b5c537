/// <reference lib="dom" />
import * as fs from 'fs';
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

test('"Try it out" with the key entered in Authorize stores the documented example through the real API', async () => {
  const vehicle = await session.t.app.inject({ method: 'POST', url: '/vehicles', headers: { 'x-api-key': 'k1' }, payload: { id: 'docs-van', name: 'Docs van' } });
  expect(vehicle.statusCode).toBe(201);
  const { page, problems } = await openPage(session.browser, `${session.base}/docs`);
  await page.waitForSelector('.btn.authorize', { timeout: 20_000 });
  await page.click('.btn.authorize');
  await page.fill('.auth-container input', 'k1');
  await page.click('.auth-btn-wrapper .authorize');
  await page.click('.btn-done');
  await page.click(`${POSITIONS} .opblock-summary`);
  await page.click(`${POSITIONS} .try-out__btn`);
  await page.fill(`${POSITIONS} input[placeholder="id"]`, 'docs-van');
  await page.click(`${POSITIONS} .execute`);
  const status = `${POSITIONS} .live-responses-table tbody .response-col_status`;
  await page.waitForSelector(status, { timeout: 10_000 });
  expect(await page.textContent(status)).toContain('200');
  await screenshot(page, 'docs-try-it-out');
  // The fix really is stored: the latest position is the example's.
  const latest = await session.t.app.inject({ method: 'GET', url: '/vehicles/docs-van/position', headers: { 'x-api-key': 'k1' } });
  expect(latest.json()).toMatchObject({ lat: 52.3702, lon: 4.8952, speed: 42.5 });
  expect(problems).toEqual([]);
}, 60_000);
