/// <reference lib="dom" />
import * as fs from 'fs';
import { BrowserSession, openPage, screenshot, startBrowserSession } from '../helpers/browser';

/** Issue 14, in a real browser: what a person sees at /docs, under the page's own CSP. */
let session: BrowserSession;
beforeAll(async () => {
  session = await startBrowserSession({ apiKeys: ['k1'] });
}, 60_000);
afterAll(() => session?.close());

test('/docs shows the positions route with its body fields, styled, with nothing blocked and no key asked', async () => {
  const { page, problems } = await openPage(session.browser, `${session.base}/docs`);
  const text = await page.evaluate(() => document.body.innerText);
  expect(text).toContain('POST /vehicles/{id}/positions');
  for (const field of ['lat', 'lon', 'timestamp', 'speed']) expect(text).toMatch(new RegExp(`\\b${field}\\b \\(body`));
  // The inline style ran under the CSP (allowed by its hash): the page is not in the browser's default font.
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  expect(font).toContain('system-ui');
  const file = await screenshot(page, 'docs');
  expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  expect(problems).toEqual([]);
}, 60_000);
