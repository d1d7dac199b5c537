/// <reference lib="dom" />
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { startDevServer, stop } from '../helpers/dev-server';
import { launchBrowser, openPage, screenshot } from '../helpers/browser';

/**
 * Issue 14 as a newcomer meets it: `npm run dev` and `npm run simulate` as real processes, the map
 * in a real browser. Vehicles appear, move between polls, and one's track shows when selected.
 */
const REPO = path.resolve(__dirname, '..', '..');
let server: Awaited<ReturnType<typeof startDevServer>>;
let simulator: ChildProcess | undefined;
let browser: Browser;
beforeAll(async () => {
  // No cache needed; polls every second.
  server = await startDevServer({ REDIS_URL: 'redis://127.0.0.1:9', SEED_DEMO: '0', MAP_POLL_INTERVAL_SECONDS: '1' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  if (simulator && simulator.exitCode === null) await stop(simulator);
  await browser?.close();
  if (server) await stop(server.process);
});

test('npm run dev + npm run simulate: five vehicles on the map, moving between polls; a selected one shows its track', async () => {
  let output = '';
  simulator = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--base-url', server.url, '--vehicles', '5', '--interval', '1', '--duration', '60', '--fleet', 'simmap', '--osmand-share', '0.4'], {
    cwd: REPO,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  simulator.stdout!.on('data', (chunk) => (output += chunk));
  simulator.stderr!.on('data', (chunk) => (output += chunk));

  const { page, problems } = await openPage(browser, `${server.url}/map?fleetId=simmap`);
  await page.waitForFunction(() => document.querySelectorAll('.vehicle').length === 5, null, { timeout: 30_000 }).catch((error: Error) => {
    throw new Error(`${error.message}\nsimulator:\n${output}`);
  });
  const where = () => page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('.vehicle')).map((e) => e.style.transform));
  const before = await where();
  // A marker moves in place between polls: its element's position changes.
  await page.waitForFunction((was) => Array.from(document.querySelectorAll<HTMLElement>('.vehicle')).some((e, i) => e.style.transform !== was[i]), before, { timeout: 15_000 });

  await page.click('.vehicle >> nth=0');
  await page.waitForFunction(() => /^\d+ fixes · /.test(document.getElementById('track-summary')!.textContent!), null, { timeout: 15_000 });
  const fixes = Number((await page.textContent('#track-summary'))!.split(' ')[0]);
  expect(fixes).toBeGreaterThanOrEqual(2);
  await screenshot(page, 'map-dev-server-simulator');
  expect(problems.filter((p) => !/tile\.openstreetmap\.org|ERR_NAME_NOT_RESOLVED/.test(p))).toEqual([]);
}, 120_000);
