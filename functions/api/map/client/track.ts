/// <reference lib="dom" />
/// <reference types="geojson" />
import maplibregl from 'maplibre-gl';
import { distanceMeters } from '../../domain/geo';
import { apiGet, withKeyRetry } from './api';
import { TRACK_COLOURS } from './colours';
import { type Track, appendFixes } from './track-window';

/** What a geojson export of the history API holds: the line, and each fix's time and speed. */
interface TrackDocument {
  features: { properties: { times: string[]; speeds: (number | null)[] }; geometry: { type: 'LineString' | 'Point'; coordinates: unknown } | null }[];
}

/** Fixes one track read brings at most (the export's page): bounds the work of a click. */
export const TRACK_MAX_FIXES = 20_000;
/** Fixes one refresh (the new ones since the last held) brings at most. */
const TRACK_MAX_NEW_FIXES = 1000;
/** A selected vehicle's whole period is read again this often while it moves (late fixes). */
const FULL_RELOAD_MS = 5 * 60_000;

/**
 * A vehicle's kept fixes from `fromMs` on, in time order, from the history API's GeoJSON export: the
 * first `limit` of them, or with `newest` the last (a live map's week matters most at its end).
 * Not simplified: the slider walks every stored fix, and the count shown is theirs.
 */
export async function fetchTrack(vehicleId: string, fromMs: number, limit: number, { newest = false } = {}): Promise<Track> {
  const query = new URLSearchParams({ format: 'geojson', from: new Date(fromMs).toISOString(), limit: String(limit), ...(newest && { order: 'desc' }) });
  const response = await withKeyRetry(() => apiGet(`/vehicles/${encodeURIComponent(vehicleId)}/positions?${query}`));
  const document = (await response.json()) as TrackDocument;
  const feature = document.features[0];
  const geometry = feature?.geometry;
  const coordinates = !geometry ? [] : geometry.type === 'Point' ? [geometry.coordinates as [number, number]] : (geometry.coordinates as [number, number][]);
  return { coordinates, times: feature?.properties.times ?? [], speeds: feature?.properties.speeds ?? [], truncated: /rel="?next/.test(response.headers.get('link') ?? '') };
}

const line = (coordinates: [number, number][]): GeoJSON.Feature => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates } });
const point = (coordinate: [number, number] | undefined): GeoJSON.FeatureCollection => ({
  type: 'FeatureCollection',
  features: coordinate ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: coordinate } }] : [],
});

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** Kilometres along a line (great circles, as the API measures). */
function lengthKm(coordinates: [number, number][]): number {
  let metres = 0;
  for (let i = 1; i < coordinates.length; i++) metres += distanceMeters(coordinates[i - 1][1], coordinates[i - 1][0], coordinates[i][1], coordinates[i][0]);
  return metres / 1000;
}

/** `850 m` below a kilometre, `12.3 km` above. */
const distance = (km: number) => (km < 1 ? `${Math.round(km * 1000)} m` : `${km.toFixed(1)} km`);

/**
 * The selected vehicle's track: the whole period as a light line, the part up to the time slider's
 * fix as a dark one, and a dot at that fix. The panel names the vehicle, the period, and the fix.
 */
export class TrackPanel {
  private readonly panel = document.getElementById('track')!;
  private readonly name = document.getElementById('track-name')!;
  private readonly period = document.getElementById('track-period') as HTMLSelectElement;
  private readonly slider = document.getElementById('track-slider') as HTMLInputElement;
  private readonly time = document.getElementById('track-time')!;
  private readonly summary = document.getElementById('track-summary')!;
  private selected: { id: string; name: string } | undefined;
  private track: Track | undefined;
  /** Bumped by each whole-period load: an answer for an older selection or period is dropped. */
  private generation = 0;
  private busy = false;
  /** The vehicle moved while a read was under way: read its new fixes once that one ends. */
  private refreshPending = false;
  /** When the whole period was last read. */
  private loadedAt = 0;

  constructor(private readonly map: maplibregl.Map) {
    this.period.addEventListener('change', () => void this.load({ frame: true }));
    this.slider.addEventListener('input', () => this.showFix(Number(this.slider.value)));
    document.getElementById('track-close')!.addEventListener('click', () => this.close());
  }

  get vehicleId(): string | undefined {
    return this.selected?.id;
  }

  select(vehicle: { id: string; name: string }): void {
    this.selected = vehicle;
    this.track = undefined; // nothing of the previous vehicle stays drawn or decides the slider
    this.name.textContent = vehicle.name;
    this.panel.hidden = false;
    this.draw();
    void this.load({ frame: true });
  }

  /**
   * The selected vehicle moved: read only its fixes after the last one held and add them, dropping
   * those older than the period (the slider follows when it was at the end). The whole period is read
   * again when there is no track yet (the first read failed), after more new fixes than one read
   * brings, and every FULL_RELOAD_MS (a backlog's late fixes fall inside what is held). Never two
   * reads at once: a move during a read is read after it.
   */
  refresh(): void {
    if (!this.selected) return;
    if (this.busy) {
      this.refreshPending = true;
      return;
    }
    if (!this.track || Date.now() - this.loadedAt > FULL_RELOAD_MS) void this.load({ frame: false });
    else void this.appendNewFixes();
  }

  close(): void {
    this.selected = undefined;
    this.track = undefined;
    this.generation++;
    this.busy = false;
    this.refreshPending = false;
    this.panel.hidden = true;
    this.draw();
  }

  /** Where the slider is, by time (undefined: at the end), read when a new track is about to be shown. */
  private sliderTime(): string | undefined {
    const held = this.track;
    if (!held || Number(this.slider.value) >= held.times.length - 1) return undefined;
    return held.times[Number(this.slider.value)];
  }

  /** The whole period: a new selection or period, or a fresh read. The slider keeps its time (or the end). */
  private async load({ frame }: { frame: boolean }): Promise<void> {
    const vehicle = this.selected;
    if (!vehicle) return;
    const generation = ++this.generation;
    this.busy = true;
    if (frame) this.summary.textContent = 'Loading the track…';
    try {
      const track = await fetchTrack(vehicle.id, Date.now() - Number(this.period.value) * 1000, TRACK_MAX_FIXES, { newest: true });
      if (generation !== this.generation) return;
      this.loadedAt = Date.now();
      this.show(track, this.sliderTime());
      if (frame && track.coordinates.length > 1) this.frame(track);
    } catch (error) {
      if (generation === this.generation) this.summary.textContent = `Track not loaded: ${(error as Error).message}`;
    } finally {
      if (generation === this.generation) this.settle();
    }
  }

  private async appendNewFixes(): Promise<void> {
    const vehicle = this.selected!;
    const held = this.track!;
    const generation = this.generation;
    this.busy = true;
    let readAll = false;
    try {
      const after = held.times.length ? Date.parse(held.times[held.times.length - 1]) + 1 : Date.now() - Number(this.period.value) * 1000;
      const fresh = await fetchTrack(vehicle.id, after, TRACK_MAX_NEW_FIXES);
      if (generation !== this.generation || this.track !== held) return;
      if (fresh.truncated) {
        readAll = true; // a backlog larger than one read: the whole period again
        return;
      }
      const cutoff = new Date(Date.now() - Number(this.period.value) * 1000).toISOString();
      this.show(appendFixes(held, fresh, cutoff, TRACK_MAX_FIXES), this.sliderTime());
    } catch {
      // The next move tries again; the track held stays.
    } finally {
      if (generation === this.generation) {
        this.settle();
        if (readAll) void this.load({ frame: false });
      }
    }
  }

  private settle(): void {
    this.busy = false;
    if (this.refreshPending) {
      this.refreshPending = false;
      this.refresh();
    }
  }

  private show(track: Track, keepTime: string | undefined): void {
    this.track = track;
    const last = Math.max(0, track.times.length - 1);
    this.slider.max = String(last);
    this.slider.disabled = track.times.length < 2;
    // By time, not index: a re-read period or new fixes shift the indexes.
    let index = last;
    if (keepTime !== undefined) {
      index = 0;
      while (index < last && track.times[index + 1] <= keepTime) index++;
    }
    this.slider.value = String(index);
    const first = track.times[0];
    const end = track.times[last];
    this.summary.textContent =
      track.times.length === 0
        ? 'No positions in this period'
        : `${track.times.length} ${track.times.length === 1 ? 'fix' : 'fixes'} · ${distance(lengthKm(track.coordinates))} · ${new Date(first).toLocaleTimeString()} – ${new Date(end).toLocaleTimeString()}` +
          (track.truncated ? ` · the last ${track.times.length}: the period holds more` : '');
    this.draw();
  }

  /** Zoom to the track, clear of the panel where the screen is wide enough for both. */
  private frame(track: Track): void {
    const bounds = track.coordinates.reduce((b, c) => b.extend(c), new maplibregl.LngLatBounds(track.coordinates[0], track.coordinates[0]));
    const width = this.map.getCanvas().clientWidth;
    const side = Math.min(60, width / 8);
    const right = width > 3 * (this.panel.offsetWidth + side) ? this.panel.offsetWidth + 20 : side;
    this.map.fitBounds(bounds, { padding: { top: side, bottom: side, left: side, right }, maxZoom: 16, duration: 0 });
  }

  private showFix(index: number): void {
    const track = this.track;
    if (!track || track.times.length === 0) return;
    const speed = track.speeds[index];
    this.time.textContent = `${new Date(track.times[index]).toLocaleString()}${speed === null || speed === undefined ? '' : ` · ${Math.round(speed)} km/h`}`;
    this.panel.dataset.fixIndex = String(index);
    this.source('track-travelled').setData(line(track.coordinates.slice(0, index + 1)));
    this.source('track-position').setData(point(track.coordinates[index]));
  }

  private draw(): void {
    if (!this.map.getSource('track')) {
      this.map.addSource('track', { type: 'geojson', data: EMPTY });
      this.map.addSource('track-travelled', { type: 'geojson', data: EMPTY });
      this.map.addSource('track-position', { type: 'geojson', data: EMPTY });
      const lineLayout = { 'line-join': 'round', 'line-cap': 'round' } as const;
      this.map.addLayer({ id: 'track', type: 'line', source: 'track', layout: lineLayout, paint: { 'line-color': TRACK_COLOURS.period, 'line-width': 4 } });
      this.map.addLayer({ id: 'track-travelled', type: 'line', source: 'track-travelled', layout: lineLayout, paint: { 'line-color': TRACK_COLOURS.travelled, 'line-width': 4 } });
      this.map.addLayer({ id: 'track-position', type: 'circle', source: 'track-position', paint: { 'circle-radius': 7, 'circle-color': TRACK_COLOURS.travelled, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
    }
    const track = this.track;
    this.source('track').setData(track && track.coordinates.length > 1 ? line(track.coordinates) : EMPTY);
    if (track && track.times.length > 0) this.showFix(Number(this.slider.value));
    else {
      this.time.textContent = '';
      this.source('track-travelled').setData(EMPTY);
      this.source('track-position').setData(EMPTY);
    }
  }

  private source(id: string): maplibregl.GeoJSONSource {
    return this.map.getSource(id) as maplibregl.GeoJSONSource;
  }
}
