/// <reference lib="dom" />
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Page } from 'playwright-core';
import { buildMapAssets } from '../../functions/build/map-assets';
import { launchBrowser } from '../browser/chromium';
import { FleetSimulator, SIMULATED_AREA } from '../simulator/fleet-simulator';
import { startChild } from './child';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { summarize } from './stats';

const ENVIRONMENT = 'benchmap';
const FLEET = 'bench-map';
const VEHICLES = 50;
const RUNS = 5;
const IDLE_POLLS = 6;
const REPO = path.resolve(__dirname, '..', '..');

const gzipKiB = (...files: Buffer[]) => zlib.gzipSync(Buffer.concat(files)).length / 1024;

/**
 * The live map as a person meets it (issue 14's goals: bundle ≤ 1 MB gzipped, first markers ≤ 1 s
 * after load with 50 vehicles, 304s while nothing moves):
 * - page weight: our script and stylesheet gzipped, against MapLibre's own distribution, the floor;
 * - first markers: a fresh browser context (nothing cached) opens /map of a 50-vehicle fleet that the
 *   simulator drives through the API; time from navigation to the 50th marker, against the page's
 *   load event (script fetched, parsed and run) in the same visit;
 * - idle polls: bytes each poll moves once nothing moves, against the first (full) read.
 */
export async function benchMap(stack: Stack): Promise<Measurement[]> {
  const assets = buildMapAssets();
  const maplibre = path.join(REPO, 'node_modules', 'maplibre-gl', 'dist');
  const weight: Measurement = {
    group: 'map',
    path: 'map page weight: map.js + map.css, gzipped',
    unit: 'KiB',
    better: 'lower',
    ours: summarize([gzipKiB(assets.js, assets.css)]),
    baseline: summarize([gzipKiB(fs.readFileSync(path.join(maplibre, 'maplibre-gl.js')), fs.readFileSync(path.join(maplibre, 'maplibre-gl.css')))]),
    baselineIs: "MapLibre GL JS's own distribution (script + stylesheet), gzipped the same way",
    note: `goal ≤ 1,024 KiB; uncompressed ${Math.round((assets.js.length + assets.css.length) / 1024)} KiB; a size, measured once`,
  };

  await stack.tables(ENVIRONMENT);
  const server = await startChild('server-child.ts', { BENCH_ENV: ENVIRONMENT, DYNAMODB_ENDPOINT: stack.dynamoEndpoint, REDIS_URL: stack.redis.url, API_KEYS: '', MAP_POLL_INTERVAL_SECONDS: '1' }, ['ours']);
  const browser = await launchBrowser();
  try {
    const simulator = new FleetSimulator({
      baseUrl: server.line,
      vehicles: VEHICLES,
      intervalSeconds: 2,
      durationSeconds: 0,
      osmandShare: 0.25,
      fleetId: FLEET,
      ...SIMULATED_AREA,
    });
    await simulator.setup();
    await simulator.tick();

    const loads: number[] = [];
    const markers: number[] = [];
    let last: Page | undefined;
    for (let run = 0; run < RUNS; run++) {
      await last?.context().close();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      last = await context.newPage();
      // Stamped in the page the moment the 50th marker exists.
      await last.addInitScript((expected) => {
        new MutationObserver((_records, observer) => {
          if (document.querySelectorAll('.vehicle').length >= expected) {
            (window as unknown as { markersAt: number }).markersAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      }, VEHICLES);
      await last.goto(`${server.line}/map?fleetId=${FLEET}`, { waitUntil: 'load' });
      await last.waitForFunction(() => (window as unknown as { markersAt?: number }).markersAt !== undefined, null, { timeout: 30_000 });
      const [load, shown] = await last.evaluate(() => [
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
        (window as unknown as { markersAt: number }).markersAt,
      ]);
      loads.push(load);
      markers.push(shown);
    }

    // Nothing has moved since the one tick: every poll should be a 304 of a few bytes.
    const page = last!;
    const polled = await page.evaluate(() => Number(document.body.dataset.polls ?? 0));
    await page.waitForFunction((n) => Number(document.body.dataset.polls) >= n, polled + IDLE_POLLS, { timeout: 30_000 });
    const transfers = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((entry) => entry.name.includes('/vehicles?'))
        .map((entry) => ({ bytes: entry.transferSize, status: entry.responseStatus })),
    );
    const idle = transfers.slice(-IDLE_POLLS);
    return [
      weight,
      {
        group: 'map',
        path: `map: first ${VEHICLES} markers, from navigation (fresh browser, nothing cached)`,
        unit: 'ms',
        better: 'lower',
        ours: summarize(markers),
        baseline: summarize(loads),
        baselineIs: "the same visit's load event: page, MapLibre script and stylesheet fetched, parsed and run",
        note: `after the load event: ${summarize(markers.map((m, i) => m - loads[i])).median.toFixed(0)} ms median (goal ≤ 1,000 ms)`,
      },
      {
        group: 'map',
        path: 'map poll once nothing moved: bytes transferred',
        unit: 'B',
        better: 'lower',
        ours: summarize(idle.map((t) => t.bytes)),
        baseline: summarize([transfers[0].bytes]),
        baselineIs: `the first poll's full read of the ${VEHICLES} vehicles`,
        note: `${idle.filter((t) => t.status === 304).length} of the last ${idle.length} polls answered 304 (goal: all)`,
      },
    ];
  } finally {
    await browser.close();
    await server.stop();
  }
}
