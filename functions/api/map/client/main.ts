/// <reference lib="dom" />
/**
 * The live map, in the browser: every vehicle of a fleet at its latest position, coloured by status,
 * moved (never re-created) as polls bring new positions. Polls send If-None-Match, so a poll that
 * finds nothing new is a 304 of a few bytes. A selected vehicle shows its track with a time slider;
 * the fleet's geofences are drawn. Settings come from the page's data attributes.
 */
import maplibregl from 'maplibre-gl';
import { RetryNow, StopPolling, apiGet, apiGetAll, withKeyRetry } from './api';
import { PLAIN_BACKGROUND } from './colours';
import { GEOFENCE_FILL_LAYER, GeofenceLayer } from './geofences';
import { TrackPanel } from './track';
import type { GeofenceView } from '../../domain/geofence';
import { VehicleLayer, type VehicleView } from './vehicles';

const settings = document.body.dataset;
const pollMs = Number(settings.pollIntervalSeconds) * 1000;
const params = new URLSearchParams(location.search);
const fleetId = params.get('fleetId') ?? undefined;

const plainStyle: maplibregl.StyleSpecification = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': PLAIN_BACKGROUND } }] };
// The background shows wherever tiles do not (no tile server reachable): the map stays usable.
const rasterStyle: maplibregl.StyleSpecification = {
  ...plainStyle,
  sources: { base: { type: 'raster', tiles: [settings.tileUrl!], tileSize: 256, attribution: settings.tileAttribution } },
  layers: [...plainStyle.layers, { id: 'base', type: 'raster', source: 'base' }],
};

// With a style URL the map starts plain and takes the style when it arrives (however late), so
// tracks and geofences never wait for a style host.
const map = new maplibregl.Map({ container: 'map', style: settings.styleUrl ? plainStyle : rasterStyle, center: [4.9, 52.37], zoom: 10, attributionControl: { compact: true } });
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
map.addControl(new maplibregl.ScaleControl());
// Lines and areas are map layers: they wait for the style (markers, page elements, do not). Not
// for 'load', which waits for the first tiles too: a tile server that never answers would hold them back.
const styleReady = new Promise<void>((resolve) => map.once('style.load', () => resolve()));
let baseMapNote = '';
/** The style URL's style has arrived (then an error is the style's own, not a missing base map). */
let styleArrived = false;
if (settings.styleUrl) {
  const styleUrl = settings.styleUrl;
  void styleReady.then(() =>
    map.setStyle(styleUrl, {
      // The style's sources and layers under the map's own (geofences, track), which keep their data.
      transformStyle: (previous, next) => {
        styleArrived = true;
        const own = (previous?.layers ?? []).filter((layer) => !plainStyle.layers.some(({ id }) => id === layer.id));
        const ownSources = Object.fromEntries(Object.entries(previous?.sources ?? {}).filter(([id]) => own.some((layer) => 'source' in layer && layer.source === id)));
        return { ...next, sources: { ...next.sources, ...ownSources }, layers: [...next.layers, ...own] };
      },
    }),
  );
}
let firstPollDone = () => undefined as void;
const firstPoll = new Promise<void>((resolve) => (firstPollDone = resolve));
const track = new TrackPanel(map);
const geofences = new GeofenceLayer(map);
// Selecting a vehicle (a click, or Enter on its focused marker) shows its track.
const layer = new VehicleLayer(map, Number(settings.movingAboveKmh), (vehicle) => void styleReady.then(() => track.select(vehicle)));
const status = document.getElementById('status')!;

// A style or tiles that cannot be fetched leave the plain background: say so once instead of an
// error per tile; anything else is a real error.
map.on('error', (event: maplibregl.ErrorEvent & { sourceId?: string }) => {
  if (settings.styleUrl && !styleArrived) {
    baseMapNote = ' · base map unavailable';
    console.warn(`map style not loaded: ${String(event.error?.message)}`);
  } else if (event.sourceId === 'base' || /tile/i.test(String(event.error?.message))) baseMapNote = ' · base map unavailable';
  else console.error(event.error);
});

let etag: string | undefined;
/** Whether the last full read was one page (then its ETag stands for the whole fleet). */
let singlePage = false;
let framed = false;

async function fetchVehicles(): Promise<VehicleView[] | 'unchanged'> {
  const vehicles: VehicleView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < Number(settings.maxPagesPerPoll); page++) {
    const query = new URLSearchParams({ limit: '100', ...(fleetId && { fleetId }), ...(cursor && { cursor }) });
    // Conditional only while the whole fleet fits one page: a 304 for the first page says nothing
    // about a vehicle on the second.
    const response = await apiGet(`/vehicles?${query}`, page === 0 && etag && singlePage ? { 'if-none-match': etag } : {});
    if (response.status === 304) {
      await response.arrayBuffer(); // finished, not left half-read: browsers report an unread 304 as aborted
      return 'unchanged';
    }
    if (page === 0) etag = response.headers.get('etag') ?? undefined;
    const body = (await response.json()) as { items: VehicleView[]; nextCursor: string | null };
    vehicles.push(...body.items);
    cursor = body.nextCursor ?? undefined;
    singlePage = page === 0 && !cursor;
    if (!cursor) break;
  }
  return vehicles;
}


async function poll(): Promise<void> {
  let next = pollMs;
  try {
    const vehicles = await fetchVehicles();
    if (vehicles !== 'unchanged') {
      const moved = layer.update(vehicles, Date.now());
      firstPollDone();
      if (track.vehicleId && moved.has(track.vehicleId)) track.refresh();
      if (!framed && layer.size > 0) {
        map.fitBounds(layer.bounds(), { padding: 60, maxZoom: 15, duration: 0 });
        framed = true;
      }
    } else {
      layer.refreshAges(Date.now());
    }
    const capped = layer.size >= Number(settings.maxPagesPerPoll) * 100 ? ' (the first shown)' : '';
    const areas = geofences.size > 0 ? ` · ${geofences.size} geofence(s)` : '';
    status.textContent = `${layer.size} vehicle(s)${capped}${fleetId ? ` of ${fleetId}` : ''}${areas} · updated ${new Date().toLocaleTimeString()}${baseMapNote}`;
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

/**
 * The geofences that apply to the fleet's vehicles (every geofence without ?fleetId=): the fleet's
 * own, those for every vehicle, and those listing one of its vehicles. Read when the style is ready
 * and every GEOFENCE_REFRESH_MS (they change seldom); a failure leaves the last ones drawn.
 */
const GEOFENCE_REFRESH_MS = 60_000;
const appliesToFleet = (geofence: GeofenceView) =>
  !fleetId || geofence.fleetId === fleetId || (geofence.fleetId === null && (geofence.vehicleIds === null || geofence.vehicleIds.some((id) => layer.has(id))));
async function loadGeofences(): Promise<void> {
  try {
    const pages = Number(settings.maxPagesPerPoll);
    // The fleet's own by its index (however many geofences other fleets have), then the rest that apply.
    const [own, all] = await withKeyRetry(() =>
      Promise.all([fleetId ? apiGetAll<GeofenceView>('/geofences', { limit: '100', fleetId }, pages) : { items: [] }, apiGetAll<GeofenceView>('/geofences', { limit: '100' }, pages)]),
    );
    const byId = new Map([...own.items, ...all.items.filter(appliesToFleet)].map((geofence) => [geofence.id, geofence]));
    geofences.show([...byId.values()]);
  } catch (error) {
    if (error instanceof StopPolling) return; // no key: nothing more is read
    if (!(error instanceof RetryNow)) console.warn(`geofences not loaded: ${(error as Error).message}`);
  }
  setTimeout(() => void loadGeofences(), GEOFENCE_REFRESH_MS);
}
// After the first poll too: whether a geofence listing vehicles applies depends on the fleet's vehicles.
void Promise.all([styleReady, firstPoll]).then(loadGeofences);

const geofencePopup = new maplibregl.Popup({ closeButton: false });
map.on('click', GEOFENCE_FILL_LAYER, (event) => {
  // A click on a vehicle's marker inside a geofence selects the vehicle; it is no click on the area.
  if ((event.originalEvent.target as Element | null)?.closest('.vehicle')) return;
  const name = event.features?.[0]?.properties?.name;
  if (typeof name === 'string') geofencePopup.setLngLat(event.lngLat).setText(`Geofence: ${name}`).addTo(map);
});

// Markers are page elements: they need no style, so vehicles show even if the base map never loads.
void poll();
