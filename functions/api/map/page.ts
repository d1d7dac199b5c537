import type { MapPageSettings } from '../../../config/map';
import { escapeHtml } from '../domain/text';
import { pageCsp } from '../plugins/security-headers';

/** The origin of a URL template (`https://tile.openstreetmap.org`), for the CSP. */
const originOf = (url: string) => new URL(url.replace(/\{[a-z]\}/g, '0')).origin;

/**
 * What the map page may load: its own script and stylesheet, the API (same origin), the tile
 * server's images; MapLibre runs its workers from blob: URLs. A style URL may name any https host
 * for its tiles, glyphs and sprites, so with one the images and fetches may come from https:.
 */
export function mapCsp(settings: MapPageSettings): string {
  const remote = settings.styleUrl ? 'https:' : originOf(settings.tileUrl);
  return pageCsp([
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${remote}`,
    `connect-src 'self' ${remote}`,
    'worker-src blob:',
    'child-src blob:',
  ]);
}

/** Periods the track panel offers (seconds, label): the first is the default. */
const TRACK_PERIODS: readonly (readonly [number, string])[] = [
  [3600, 'last hour'],
  [6 * 3600, 'last 6 hours'],
  [24 * 3600, 'last 24 hours'],
  [7 * 24 * 3600, 'last 7 days'],
];

/** The selected vehicle's panel: its name, the period, the time slider and the fix it points at. */
const TRACK_PANEL =
  '<aside id="track" hidden><div class="track-head"><strong id="track-name"></strong>' +
  '<button id="track-close" type="button" aria-label="Close the track">×</button></div>' +
  `<label>Track of the <select id="track-period">${TRACK_PERIODS.map(([seconds, label]) => `<option value="${seconds}">${label}</option>`).join('')}</select></label>` +
  '<input id="track-slider" type="range" min="0" max="0" value="0" aria-label="Time along the track">' +
  '<div id="track-time"></div><div id="track-summary"></div></aside>';

/** The page: a map, a status line, the track panel, and the settings as data attributes (no inline script or style). */
export function mapPage(settings: MapPageSettings): string {
  const data = Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeHtml(String(value))}"`)
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<title>Vehicle Tracking · live map</title><link rel="icon" href="data:,"><link rel="stylesheet" href="map/map.css"></head>' +
    `<body${data}><div id="map"></div><div id="status">Loading…</div>${TRACK_PANEL}<script src="map/map.js"></script></body></html>`
  );
}
