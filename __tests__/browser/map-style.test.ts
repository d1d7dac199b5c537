/// <reference lib="dom" />
import type { Page, Route } from 'playwright-core';
import { createVehicle, iso } from '../helpers/test-app';
import { GEOFENCE_OUTLINE, PLAIN_BACKGROUND, TRACK_COLOURS } from '../../functions/api/map/client/colours';
import { BrowserSession, countColour, openPage, screenshot, startBrowserSession } from '../helpers/browser';

/**
 * The map with MAP_STYLE_URL (a MapLibre style, as a deployment with a vector tile provider sets it),
 * in a real browser. The browser asks for the style over https; the test answers for that host (at
 * once or late), or fails it, or never answers. Whatever the style does, geofences and tracks draw.
 */
const STYLE_URL = 'https://styles.example.test/fleet/style.json';
const STYLE_BACKGROUND = '#2a9d8f';
const STYLE = { version: 8, sources: {}, layers: [{ id: 'land', type: 'background', paint: { 'background-color': STYLE_BACKGROUND } }] };

let session: BrowserSession;
beforeAll(async () => {
  session = await startBrowserSession({ apiKeys: [], mapPollIntervalSeconds: 1, mapStyleUrl: STYLE_URL });
}, 60_000);
afterAll(() => session?.close());

/** A vehicle with a short drive and its fleet's yard: the page is opened on that fleet. */
async function fleetWithYard(): Promise<string> {
  const fleetId = `style-${Date.now().toString(36)}`;
  const { id } = await createVehicle(session.t.app, { fleetId });
  const now = Date.now();
  const fixes = Array.from({ length: 3 }, (_, i) => ({ lat: 52.37, lon: 4.89 + i * 0.003, speed: 20, timestamp: iso(now - (3 - i) * 60_000) }));
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).statusCode).toBe(200);
  expect((await session.t.app.inject({ method: 'POST', url: '/geofences', payload: { name: 'Yard', fleetId, geometry: { type: 'Circle', center: [4.893, 52.37], radius: 300 } } })).statusCode).toBe(201);
  return fleetId;
}

async function openWithStyle(fleetId: string, answer: (route: Route) => unknown): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(session.browser, `${session.base}/map?fleetId=${fleetId}`, { beforeLoad: (page) => page.route(STYLE_URL, answer) });
  await opened.page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1 && /· 1 geofence/.test(document.getElementById('status')!.textContent!), null, {
    timeout: 15_000,
  });
  return opened;
}

async function untilSeen(page: Page, colour: string, atLeast: number, tolerance?: number): Promise<number> {
  let pixels = 0;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && pixels < atLeast; await page.waitForTimeout(100)) {
    pixels = await countColour(session.browser, await page.screenshot(), colour, tolerance);
  }
  return pixels;
}

/** The page's pixels; a base map shows on more than a third of them (the panel and controls cover some). */
const ALL_PIXELS = 1280 * 900;

test('the style at MAP_STYLE_URL is the base map; geofences draw over it; the page stays inside its CSP', async () => {
  const { page, problems } = await openWithStyle(await fleetWithYard(), (route) => route.fulfill({ json: STYLE }));
  expect(await untilSeen(page, STYLE_BACKGROUND, ALL_PIXELS / 3)).toBeGreaterThan(ALL_PIXELS / 3);
  expect(await untilSeen(page, GEOFENCE_OUTLINE, 100, 24)).toBeGreaterThan(100);
  expect(await page.textContent('#status')).not.toContain('base map unavailable');
  await screenshot(page, 'map-style');
  expect(problems).toEqual([]);
  await page.close();
}, 60_000);

test('a style that arrives late replaces the plain map under the track and geofences already drawn', async () => {
  let answer!: () => void;
  const held = new Promise<void>((resolve) => (answer = resolve));
  const { page, problems } = await openWithStyle(await fleetWithYard(), async (route) => {
    await held;
    await route.fulfill({ json: STYLE });
  });
  await page.click('.vehicle');
  await page.waitForFunction(() => /^3 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  expect(await untilSeen(page, PLAIN_BACKGROUND, ALL_PIXELS / 3, 4)).toBeGreaterThan(ALL_PIXELS / 3);
  const track = await untilSeen(page, TRACK_COLOURS.travelled, 200);
  expect(track).toBeGreaterThan(200);

  answer();
  expect(await untilSeen(page, STYLE_BACKGROUND, ALL_PIXELS / 3)).toBeGreaterThan(ALL_PIXELS / 3);
  expect(await untilSeen(page, GEOFENCE_OUTLINE, 100, 24)).toBeGreaterThan(100);
  expect(await untilSeen(page, TRACK_COLOURS.travelled, track * 0.9)).toBeGreaterThan(track * 0.9); // the same track, on the new style
  expect(await page.textContent('#track-summary')).toMatch(/^3 fixes · /);
  expect(problems).toEqual([]);
  await page.close();
}, 60_000);

test.each([
  ['fails', (route: Route) => route.fulfill({ status: 503, body: 'unavailable' }), true],
  ['never answers', () => undefined, false],
])('a style URL that %s: a plain map, with the geofences and a track', async (_, answer, saysUnavailable) => {
  const { page } = await openWithStyle(await fleetWithYard(), answer);
  expect(await untilSeen(page, PLAIN_BACKGROUND, ALL_PIXELS / 3, 4)).toBeGreaterThan(ALL_PIXELS / 3);
  expect(await untilSeen(page, GEOFENCE_OUTLINE, 100, 24)).toBeGreaterThan(100);
  await page.click('.vehicle');
  await page.waitForFunction(() => /^3 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  expect(await untilSeen(page, TRACK_COLOURS.travelled, 200)).toBeGreaterThan(200);
  if (saysUnavailable) await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('base map unavailable'), null, { timeout: 5_000 });
  await page.close();
}, 60_000);
