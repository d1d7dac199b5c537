/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { createVehicle, iso } from '../helpers/test-app';
import { GEOFENCE_OUTLINE, TRACK_COLOURS } from '../../functions/api/map/client/colours';
import { BrowserSession, TILE_HOST, countColour, openPage, screenshot, startBrowserSession, withoutTileServer } from '../helpers/browser';

/**
 * Issue 14, in a real browser: the live map as a person sees it, with no tile server reachable (as
 * everywhere here). Polls every second; a vehicle is offline 5 s after its last fix.
 */
let session: BrowserSession;
beforeAll(async () => {
  session = await startBrowserSession({ apiKeys: [], mapPollIntervalSeconds: 1, offlineAfterMinutes: 5 / 60 });
}, 60_000);
afterAll(() => session?.close());

const send = (id: string, lat: number, lon: number, speed: number) =>
  session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat, lon, speed, timestamp: iso(Date.now()) } });
const statuses = (page: Page) =>
  page.evaluate(() => Object.fromEntries(Array.from(document.querySelectorAll<HTMLElement>('.vehicle')).map((e) => [e.dataset.vehicleId!, e.dataset.status!])));

test('one marker per vehicle, coloured by status; markers move (not re-created) between polls; silence turns one grey; polls answer 304', async () => {
  const fleetId = `live-${Date.now().toString(36)}`;
  const [moving, parked, silent] = await Promise.all([0, 1, 2].map(() => createVehicle(session.t.app, { fleetId }).then((v) => v.id)));
  await Promise.all([send(moving, 52.37, 4.9, 40), send(parked, 52.38, 4.91, 0), send(silent, 52.36, 4.89, 0)]);
  // The moving and parked vehicles keep reporting (the moving one where it last was); the silent one never again.
  let movingLon = 4.9;
  const keepAlive = setInterval(() => void Promise.all([send(moving, 52.37, movingLon, 40), send(parked, 52.38, 4.91, 0)]), 700);
  const polls: number[] = [];
  try {
    const { page, problems } = await openPage(session.browser, `${session.base}/map?fleetId=${fleetId}`);
    page.on('response', (response) => response.url().includes('/vehicles?') && polls.push(response.status()));
    await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 3, null, { timeout: 15_000 });
    expect(await statuses(page)).toMatchObject({ [moving]: 'moving', [parked]: 'stopped' });

    // Tag the moving vehicle's marker element; a new fix must move that element, not replace it.
    const before = await page.evaluate((id) => {
      const element = document.querySelector<HTMLElement>(`.vehicle[data-vehicle-id="${id}"]`)! as HTMLElement & { probe?: number };
      element.probe = 7;
      return element.getBoundingClientRect().x;
    }, moving);
    movingLon = 4.95;
    await send(moving, 52.37, movingLon, 45);
    await page.waitForFunction(
      ([id, x]) => {
        const element = document.querySelector<HTMLElement>(`.vehicle[data-vehicle-id="${id}"]`) as (HTMLElement & { probe?: number }) | null;
        return element !== null && element.probe === 7 && Math.abs(element.getBoundingClientRect().x - (x as number)) > 20;
      },
      [moving, before] as const,
      { timeout: 10_000 },
    );

    // Past the threshold with no fix: grey. The parked one, still reporting, stays stopped.
    await page.waitForFunction((id) => document.querySelector<HTMLElement>(`.vehicle[data-vehicle-id="${id}"]`)?.dataset.status === 'offline', silent, { timeout: 15_000 });
    expect((await statuses(page))[parked]).toBe('stopped');
    // Hovering shows name, status, speed and age (the moving one has driven out of view by now).
    await page.hover(`.vehicle[data-vehicle-id="${parked}"]`);
    expect(await page.textContent('.maplibregl-popup')).toMatch(/stopped · 0 km\/h[\s\S]*last seen \d+ s ago/);
    await screenshot(page, 'map');

    // Once nothing moves, a poll is a 304.
    clearInterval(keepAlive);
    const from = polls.length;
    await page.waitForFunction((n) => Number(document.body.dataset.polls) >= n, from + 4, { timeout: 15_000 });
    expect(polls.slice(from)).toContain(304);
    // A scale and the status line show without tiles; the only complaints are the unreachable tile server's.
    expect(await page.isVisible('.maplibregl-ctrl-scale')).toBe(true);
    expect(await page.textContent('#status')).toMatch(new RegExp(`3 vehicle\\(s\\) of ${fleetId}`));
    // (Only failed fetches of that host: a CSP violation naming it would be a real problem.)
    const unreachableTiles = (p: string) => p.includes(TILE_HOST) && !p.includes('CSP violation'); // failed, or cancelled as the view moved
    expect(problems.filter((p) => !unreachableTiles(p) && p !== 'console: Failed to load resource: net::ERR_NAME_NOT_RESOLVED')).toEqual([]);
  } finally {
    clearInterval(keepAlive);
  }
}, 90_000);

test('selecting a vehicle draws its track; the time slider walks it fix by fix; the fleet\'s geofences are drawn', async () => {
  const fleetId = `track-${Date.now().toString(36)}`;
  const { id } = await createVehicle(session.t.app, { fleetId, name: 'Track van' });
  // 20 fixes over the last 19 minutes, eastwards along a street, into a depot geofence at the end.
  const now = Date.now();
  const fixes = Array.from({ length: 20 }, (_, i) => ({ lat: 52.37 + (i % 2) * 0.0004, lon: 4.88 + i * 0.002, speed: 30 + i, timestamp: iso(now - (19 - i) * 60_000) }));
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).json()).toMatchObject({ stored: 20 });
  const geofence = await session.t.app.inject({ method: 'POST', url: '/geofences', payload: { name: 'Depot', fleetId, geometry: { type: 'Circle', center: [4.918, 52.37], radius: 250 } } });
  expect(geofence.statusCode).toBe(201);

  // Drawn too: a geofence for every vehicle; not drawn: another fleet's.
  for (const payload of [
    { name: 'Everywhere', geometry: { type: 'Circle', center: [4.9, 52.37], radius: 200 } },
    { name: 'Elsewhere', fleetId: `${fleetId}-other`, geometry: { type: 'Circle', center: [4.9, 52.37], radius: 300 } },
  ]) {
    expect((await session.t.app.inject({ method: 'POST', url: '/geofences', payload })).statusCode).toBe(201);
  }

  const { page, problems } = await openPage(session.browser, `${session.base}/map?fleetId=${fleetId}`);
  await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1 && /· \d+ geofence/.test(document.getElementById('status')!.textContent!), null, { timeout: 15_000 });
  const drawnGeofences = Number(/· (\d+) geofence/.exec((await page.textContent('#status'))!)![1]);
  const everywhere = (await session.t.app.inject({ method: 'GET', url: '/geofences?limit=100' })).json().items.filter((g: { fleetId: string | null; vehicleIds: unknown }) => g.fleetId === null && g.vehicleIds === null).length;
  expect(drawnGeofences).toBe(1 + everywhere); // the fleet's depot and those for every vehicle, not the other fleet's
  // What MapLibre draws lands on its canvas a frame or two later (its sources load in a worker): look until it shows.
  const untilSeen = async (colour: string, check: (pixels: number) => boolean, tolerance?: number) => {
    let pixels = -1;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      pixels = await countColour(session.browser, await page.screenshot(), colour, tolerance);
      if (check(pixels)) return pixels;
      await page.waitForTimeout(100);
    }
    throw new Error(`${colour}: ${pixels} pixels, not what was expected`);
  };
  // Before a selection: the geofence's outline is drawn, no track is.
  await untilSeen(GEOFENCE_OUTLINE, (n) => n > 100, 24);
  expect(await countColour(session.browser, await page.screenshot(), TRACK_COLOURS.travelled)).toBe(0);
  expect(await page.isHidden('#track')).toBe(true);

  await page.click(`.vehicle[data-vehicle-id="${id}"]`);
  await page.waitForFunction(() => /^20 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  expect(await page.textContent('#track-name')).toBe('Track van');
  // The slider starts at the latest fix: the whole track is drawn as travelled.
  expect(await page.textContent('#track-time')).toContain('49 km/h');
  const travelledAtEnd = await untilSeen(TRACK_COLOURS.travelled, (n) => n > 2000); // ~2.7 km of line, 4 px wide
  await screenshot(page, 'map-track');

  // Home: the slider's first fix. The time shown is that fix's; the travelled part shrinks to the dot.
  await page.focus('#track-slider');
  await page.keyboard.press('Home');
  expect(await page.getAttribute('#track', 'data-fix-index')).toBe('0');
  expect(await page.textContent('#track-time')).toContain('30 km/h');
  await untilSeen(TRACK_COLOURS.travelled, (n) => n < travelledAtEnd / 4);
  await untilSeen(TRACK_COLOURS.period, (n) => n > 2000);
  // Halfway along: the fix in the middle.
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  expect(await page.textContent('#track-time')).toContain('40 km/h');

  // A new fix while the slider is mid-track: the track grows, the slider stays on its fix.
  const newer = { lat: 52.3702, lon: 4.9205, speed: 12, timestamp: iso(Date.now()) };
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: newer })).statusCode).toBe(200);
  await page.waitForFunction(() => /^21 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  expect(await page.textContent('#track-time')).toContain('40 km/h');
  // At the end, it follows the newest fix.
  await page.keyboard.press('End');
  expect(await page.textContent('#track-time')).toContain('12 km/h');
  // More new fixes than one read brings (a tracker sending a burst): the whole period is read again.
  const lastHeld = Date.parse(newer.timestamp);
  while (Date.now() < lastHeld + 2100) await page.waitForTimeout(100); // room for 1,001 fixes 2 ms apart, none ahead of now
  const backlog = Array.from({ length: 1001 }, (_, i) => ({ lat: 52.371, lon: 4.921 + i * 0.00001, speed: i === 1000 ? 7 : 5, timestamp: iso(lastHeld + 2 + i * 2) }));
  for (let i = 0; i < backlog.length; i += 500) {
    expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: backlog.slice(i, i + 500) })).statusCode).toBe(200);
  }
  await page.waitForFunction(() => /^1022 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 15_000 });
  expect(await page.textContent('#track-time')).toContain('7 km/h');

  // Closing the panel takes the track away.
  await page.click('#track-close');
  await untilSeen(TRACK_COLOURS.period, (n) => n === 0);
  expect(problems.filter((p) => !p.includes(TILE_HOST) && !p.includes('ERR_NAME_NOT_RESOLVED'))).toEqual([]);
}, 90_000);

test('a fleet of more than one page: a vehicle on the second page moves too (the first page\'s 304 does not hide it)', async () => {
  const fleetId = `big-${Date.now().toString(36)}`;
  const ids = Array.from({ length: 101 }, (_, i) => `${fleetId}-${String(i).padStart(3, '0')}`);
  for (const id of ids) expect((await session.t.app.inject({ method: 'POST', url: '/vehicles', payload: { id, name: id, fleetId } })).statusCode).toBe(201);
  await Promise.all(ids.map((id, i) => send(id, 52.3 + (i % 10) * 0.01, 4.8 + Math.floor(i / 10) * 0.01, 0)));
  const { page } = await openPage(session.browser, `${session.base}/map?fleetId=${fleetId}`);
  await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 101, null, { timeout: 20_000 });
  // Let every vehicle settle offline: from then on the first page's body (and its ETag) stays the same.
  await page.waitForFunction(() => document.querySelectorAll('.vehicle[data-status="offline"]').length === 101, null, { timeout: 20_000 });
  const last = ids[ids.length - 1]; // listed by id: the only one on the second page
  const before = await page.evaluate((id) => document.querySelector<HTMLElement>(`.vehicle[data-vehicle-id="${id}"]`)!.getBoundingClientRect().y, last);
  await send(last, 52.25, 4.9, 30);
  await page.waitForFunction(
    ([id, y]) => Math.abs(document.querySelector<HTMLElement>(`.vehicle[data-vehicle-id="${id}"]`)!.getBoundingClientRect().y - (y as number)) > 20,
    [last, before] as const,
    { timeout: 10_000 },
  );
}, 90_000);

test('with API keys required (as in AWS) the page asks for one once, keeps it for the session, and shows the fleet', async () => {
  const keyed = await startBrowserSession({ apiKeys: ['map-key'], mapPollIntervalSeconds: 1 });
  try {
    const fleetId = `keyed-${Date.now().toString(36)}`;
    const created = await keyed.t.app.inject({ method: 'POST', url: '/vehicles', headers: { 'x-api-key': 'map-key' }, payload: { name: 'Keyed van', fleetId } });
    const id = created.json().id as string;
    await keyed.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, headers: { 'x-api-key': 'map-key' }, payload: { lat: 52.37, lon: 4.9, timestamp: iso(Date.now()) } });
    const page = await withoutTileServer(await keyed.browser.newPage());
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept('map-key');
    });
    await page.goto(`${keyed.base}/map?fleetId=${fleetId}`);
    await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1, null, { timeout: 15_000 });
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1, null, { timeout: 15_000 });
    expect(asked).toHaveLength(1); // the reload used the kept key
    expect(await page.evaluate(() => sessionStorage.getItem('vehicle-tracking:api-key'))).toBe('map-key');
  } finally {
    await keyed.close();
  }
}, 90_000);

test('a tile server that never answers: tracks and geofences still draw (they wait for the style, not for tiles)', async () => {
  const fleetId = `stalled-${Date.now().toString(36)}`;
  const { id } = await createVehicle(session.t.app, { fleetId, name: 'Stalled tiles van' });
  const now = Date.now();
  const fixes = Array.from({ length: 5 }, (_, i) => ({ lat: 52.37, lon: 4.88 + i * 0.004, speed: 20, timestamp: iso(now - (4 - i) * 60_000) }));
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).json()).toMatchObject({ stored: 5 });
  expect((await session.t.app.inject({ method: 'POST', url: '/geofences', payload: { name: 'Yard', fleetId, geometry: { type: 'Circle', center: [4.896, 52.37], radius: 300 } } })).statusCode).toBe(201);

  const { page } = await openPage(session.browser, `${session.base}/map?fleetId=${fleetId}`, { tileServer: 'stalled' });
  await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1 && /· \d+ geofence/.test(document.getElementById('status')!.textContent!), null, { timeout: 10_000 });
  await page.click(`.vehicle[data-vehicle-id="${id}"]`);
  await page.waitForFunction(() => /^5 fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  let travelled = 0;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && travelled < 500; await page.waitForTimeout(100)) {
    travelled = await countColour(session.browser, await page.screenshot(), TRACK_COLOURS.travelled);
  }
  expect(travelled).toBeGreaterThan(500); // ~1 km of line, drawn while every tile is still pending
  await page.close();
}, 60_000);

test('a period holding more fixes than one read: the newest are shown, and new fixes still add to them', async () => {
  const fleetId = `long-${Date.now().toString(36)}`;
  const { id } = await createVehicle(session.t.app, { fleetId, name: 'Long day van' });
  const now = Date.now();
  // 15 fixes, speeds 1-15 km/h: the speed names the fix.
  const fixes = Array.from({ length: 15 }, (_, i) => ({ lat: 52.37, lon: 4.88 + i * 0.001, speed: i + 1, timestamp: iso(now - (15 - i) * 60_000) }));
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).json()).toMatchObject({ stored: 15 });

  const page = await withoutTileServer(await session.browser.newPage({ viewport: { width: 1280, height: 900 } }));
  // One read of a whole period brings 10 fixes here, not 20,000: the page is the same, the period longer than a read.
  await page.route(/\/positions\?.*limit=20000/, (route) => route.continue({ url: route.request().url().replace('limit=20000', 'limit=10') }));
  await page.goto(`${session.base}/map?fleetId=${fleetId}`);
  await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 1, null, { timeout: 10_000 });
  await page.click(`.vehicle[data-vehicle-id="${id}"]`);
  await page.waitForFunction(() => /^10 fixes · .*the last 10: the period holds more/.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  expect(await page.textContent('#track-time')).toContain('15 km/h'); // the newest fix, not the 10th
  await page.focus('#track-slider');
  await page.keyboard.press('Home');
  expect(await page.textContent('#track-time')).toContain('6 km/h'); // the 10 newest: fixes 6-15

  // The vehicle drives on: its new fix is added (the cut period does not stop updates).
  expect((await session.t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 52.371, lon: 4.896, speed: 42, timestamp: iso(Date.now()) } })).statusCode).toBe(200);
  await page.waitForFunction(() => /^11 fixes · .*the last 11: the period holds more/.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 10_000 });
  await page.keyboard.press('End');
  expect(await page.textContent('#track-time')).toContain('42 km/h');
  await page.close();
}, 60_000);
