/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { MAP_DEFAULTS } from '../../config/map';
import { createVehicle, iso } from '../helpers/test-app';
import { BrowserSession, openPage, screenshot, startBrowserSession } from '../helpers/browser';

/**
 * Issue 14, in a real browser: the live map as a person sees it, with no tile server reachable (as
 * everywhere here). Polls every second; a vehicle is offline 3 s after its last fix.
 */
const TILE_HOST = new URL(MAP_DEFAULTS.tileUrl.replace(/\{[a-z]\}/g, '0')).host;
let session: BrowserSession;
beforeAll(async () => {
  session = await startBrowserSession({ apiKeys: [], mapPollIntervalSeconds: 1, offlineAfterMinutes: 3 / 60 });
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
  // The moving and parked vehicles keep reporting; the silent one never again.
  const keepAlive = setInterval(() => void Promise.all([send(parked, 52.38, 4.91, 0)]), 700);
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
    await send(moving, 52.37, 4.95, 45);
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
    expect(problems.filter((p) => !p.includes(TILE_HOST) && !p.includes('ERR_NAME_NOT_RESOLVED'))).toEqual([]);
  } finally {
    clearInterval(keepAlive);
  }
}, 90_000);
