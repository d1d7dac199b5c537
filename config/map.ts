/**
 * The live map (`/map`): how often it polls, and where its base map comes from. OpenStreetMap's
 * raster tiles by default; MAP_STYLE_URL names a MapLibre style instead (a vector style, say).
 * Without a reachable tile server the map still shows vehicles, tracks and a scale on a plain background.
 */
export const MAP_DEFAULTS = {
  pollIntervalSeconds: 5,
  tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  tileAttribution: '© OpenStreetMap contributors',
  /** A vehicle faster than this (km/h) is drawn as moving; slower, as stopped. */
  movingAboveKmh: 3,
  /** Pages of 100 vehicles one poll reads at most (a fleet of up to 1,000 on the map). */
  maxPagesPerPoll: 10,
} as const;

/** What the page is told (as data attributes: the CSP allows no inline script). */
export interface MapPageSettings {
  readonly pollIntervalSeconds: number;
  readonly tileUrl: string;
  readonly tileAttribution: string;
  readonly styleUrl?: string;
  readonly movingAboveKmh: number;
  readonly maxPagesPerPoll: number;
}
