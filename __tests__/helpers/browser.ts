/// <reference lib="dom" />
import * as fs from 'fs';
import * as path from 'path';
import type { AddressInfo } from 'net';
import type { Browser, Page } from 'playwright-core';
import { MAP_DEFAULTS } from '../../config/map';
import { launchBrowser } from '../../scripts/browser/chromium';
import { TestApp, TestAppOptions, startTestApp } from './test-app';

export { launchBrowser } from '../../scripts/browser/chromium';
/** The default base map's tile host: unreachable in every browser test, as on an offline machine. */
export const TILE_HOST = new URL(MAP_DEFAULTS.tileUrl.replace(/\{[a-z]\}/g, '0')).host;
/** Where every browser test leaves its screenshot (CI keeps the folder; git ignores it). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'browser-screenshots');

/**
 * Whatever this machine's DNS does with the tile host, the page sees the same: a name that does not
 * resolve, or requests taken and never answered (a captive portal, a resolver that times out).
 */
export async function withoutTileServer(page: Page, tileServer: 'unresolvable' | 'stalled' = 'unresolvable'): Promise<Page> {
  await page.route((requested) => requested.host === TILE_HOST, (route) => (tileServer === 'stalled' ? undefined : route.abort('namenotresolved')));
  return page;
}

/**
 * Opens a page and collects what it complained about: console errors, uncaught exceptions, CSP
 * violations (reported to the console by a listener installed before any page script), failed requests.
 * The default tile server (OpenStreetMap's) is never reached; `beforeLoad` may route more.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: { tileServer?: 'unresolvable' | 'stalled'; beforeLoad?: (page: Page) => Promise<unknown> } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await withoutTileServer(page, options.tileServer);
  await options.beforeLoad?.(page);
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event: SecurityPolicyViolationEvent) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The real app listening on a real port, and a browser to open its pages. */
export interface BrowserSession {
  readonly t: TestApp;
  readonly browser: Browser;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  close(): Promise<void>;
}

export async function startBrowserSession(options: TestAppOptions = {}): Promise<BrowserSession> {
  const t = await startTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  return {
    t,
    browser,
    base,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/**
 * How many pixels of a screenshot are within `tolerance` (per channel) of a colour: what a person
 * sees drawn on the map's canvas. Decoded in a blank page of the same browser (no PNG library).
 */
export async function countColour(browser: Browser, png: Buffer, hex: string, tolerance = 16): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ([data, colour, tol]) => {
        const image = new Image();
        image.src = `data:image/png;base64,${data}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, image.width, image.height).data;
        const [r, g, b] = [1, 3, 5].map((i) => parseInt((colour as string).slice(i, i + 2), 16));
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (Math.abs(pixels[i] - r) <= (tol as number) && Math.abs(pixels[i + 1] - g) <= (tol as number) && Math.abs(pixels[i + 2] - b) <= (tol as number)) count++;
        }
        return count;
      },
      [png.toString('base64'), hex, tolerance] as const,
    );
  } finally {
    await page.close();
  }
}
