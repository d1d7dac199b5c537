/// <reference lib="dom" />
/**
 * The live map, in the browser: every vehicle of a fleet at its latest position, coloured by status,
 * moved (never re-created) as polls bring new positions. Polls send If-None-Match, so a poll that
 * finds nothing new is a 304 of a few bytes. Settings come from the page's data attributes.
 */
import maplibregl from 'maplibre-gl';
import { VehicleLayer, type VehicleView } from './vehicles';

const settings = document.body.dataset;
const pollMs = Number(settings.pollIntervalSeconds) * 1000;
const params = new URLSearchParams(location.search);
const fleetId = params.get('fleetId') ?? undefined;
const apiBase = new URL('.', location.href).href.replace(/\/$/, ''); // /<stage>/map → /<stage>
const KEY_STORAGE = 'vehicle-tracking:api-key';

const style: maplibregl.StyleSpecification | string = settings.styleUrl
  ? settings.styleUrl
  : {
      version: 8,
      sources: { base: { type: 'raster', tiles: [settings.tileUrl!], tileSize: 256, attribution: settings.tileAttribution } },
      // The background shows wherever tiles do not (no tile server reachable): the map stays usable.
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#e8eef2' } },
        { id: 'base', type: 'raster', source: 'base' },
      ],
    };

const map = new maplibregl.Map({ container: 'map', style, center: [4.9, 52.37], zoom: 10, attributionControl: { compact: true } });
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
map.addControl(new maplibregl.ScaleControl());
const layer = new VehicleLayer(map, Number(settings.movingAboveKmh));
const status = document.getElementById('status')!;
let baseMapNote = '';

// Tiles that cannot be fetched (no tile server reachable) leave the plain background: say so once
// instead of an error per tile; anything else is a real error.
map.on('error', (event: maplibregl.ErrorEvent & { sourceId?: string }) => {
  if (event.sourceId === 'base' || /tile/i.test(String(event.error?.message))) baseMapNote = ' · base map unavailable';
  else console.error(event.error);
});

let etag: string | undefined;
/** Whether the last full read was one page (then its ETag stands for the whole fleet). */
let singlePage = false;
let framed = false;

/** The API key, asked once and kept for the browser session (none is needed locally unless API_KEYS is set). */
function apiKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

async function fetchVehicles(): Promise<VehicleView[] | 'unchanged'> {
  const vehicles: VehicleView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < Number(settings.maxPagesPerPoll); page++) {
    const query = new URLSearchParams({ limit: '100', ...(fleetId && { fleetId }), ...(cursor && { cursor }) });
    const headers: Record<string, string> = {};
    const key = apiKey();
    if (key) headers['x-api-key'] = key;
    // Conditional only while the whole fleet fits one page: a 304 for the first page says nothing
    // about a vehicle on the second.
    if (page === 0 && etag && singlePage) headers['if-none-match'] = etag;
    // no-store: the page revalidates by its own ETag; the browser's cache would only second-guess it.
    const response = await fetch(`${apiBase}/vehicles?${query}`, { headers, cache: 'no-store' });
    if (response.status === 304) {
      await response.arrayBuffer(); // finished, not left half-read: browsers report an unread 304 as aborted
      return 'unchanged';
    }
    if (response.status === 401 || response.status === 403) {
      // A key refused (API Gateway says 403, the app 401): forget it and ask once; a cancel stops polling.
      sessionStorage.removeItem(KEY_STORAGE);
      const given = window.prompt('API key for this stage (kept for this browser session):');
      if (!given?.trim()) throw new StopPolling('an API key is needed: reload the page to enter one');
      sessionStorage.setItem(KEY_STORAGE, given.trim());
      throw new RetryNow('key entered');
    }
    if (!response.ok) throw new Error(`GET /vehicles answered ${response.status}`);
    if (page === 0) etag = response.headers.get('etag') ?? undefined;
    const body = (await response.json()) as { items: VehicleView[]; nextCursor: string | null };
    vehicles.push(...body.items);
    cursor = body.nextCursor ?? undefined;
    singlePage = page === 0 && !cursor;
    if (!cursor) break;
  }
  return vehicles;
}

class StopPolling extends Error {}
class RetryNow extends Error {}

async function poll(): Promise<void> {
  let next = pollMs;
  try {
    const vehicles = await fetchVehicles();
    if (vehicles !== 'unchanged') {
      layer.update(vehicles, Date.now());
      if (!framed && layer.size > 0) {
        map.fitBounds(layer.bounds(), { padding: 60, maxZoom: 15, duration: 0 });
        framed = true;
      }
    } else {
      layer.refreshAges(Date.now());
    }
    const capped = layer.size >= Number(settings.maxPagesPerPoll) * 100 ? ' (the first shown)' : '';
    status.textContent = `${layer.size} vehicle(s)${capped}${fleetId ? ` of ${fleetId}` : ''} · updated ${new Date().toLocaleTimeString()}${baseMapNote}`;
    document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
  } catch (error) {
    if (error instanceof StopPolling) {
      status.textContent = error.message;
      return;
    }
    if (error instanceof RetryNow) next = 0;
    else status.textContent = `Not updated: ${(error as Error).message}`;
  }
  setTimeout(poll, next);
}

// Markers are page elements: they need no style, so vehicles show even if the base map never loads.
void poll();
