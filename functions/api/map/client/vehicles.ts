/// <reference lib="dom" />
import maplibregl from 'maplibre-gl';

/** What GET /vehicles shows of a vehicle (the fields the map uses). */
export interface VehicleView {
  readonly id: string;
  readonly name: string;
  readonly status: 'online' | 'offline' | 'unknown';
  readonly lastSeenAt: string | null;
  readonly position: { readonly lat: number; readonly lon: number; readonly timestamp: string; readonly speed?: number; readonly heading?: number } | null;
}

export type MarkerStatus = 'moving' | 'stopped' | 'offline';

/** Moving above the threshold while online; stopped at or below it; offline (or never online) is stale. */
export function markerStatus(vehicle: VehicleView, movingAboveKmh: number): MarkerStatus {
  if (vehicle.status !== 'online') return 'offline';
  return (vehicle.position?.speed ?? 0) > movingAboveKmh ? 'moving' : 'stopped';
}

const age = (iso: string | null, now: number) => {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 90 ? `${seconds} s ago` : seconds < 5400 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
};

/** One marker per vehicle, kept by id: a new position moves it, a new status recolours it. */
export class VehicleLayer {
  private readonly markers = new Map<string, { marker: maplibregl.Marker; vehicle: VehicleView }>();

  constructor(
    private readonly map: maplibregl.Map,
    private readonly movingAboveKmh: number,
    private readonly onSelect: (vehicle: { id: string; name: string }) => void,
  ) {}

  get size(): number {
    return this.markers.size;
  }

  has(id: string): boolean {
    return this.markers.has(id);
  }

  /** Places every vehicle; returns the ids whose latest fix changed. */
  update(vehicles: readonly VehicleView[], now: number): Set<string> {
    const seen = new Set<string>();
    const moved = new Set<string>();
    for (const vehicle of vehicles) {
      if (!vehicle.position) continue;
      seen.add(vehicle.id);
      const lngLat: [number, number] = [vehicle.position.lon, vehicle.position.lat];
      let entry = this.markers.get(vehicle.id);
      if (!entry) {
        const element = document.createElement('div');
        element.className = 'vehicle';
        element.dataset.vehicleId = vehicle.id;
        element.tabIndex = 0;
        const marker = new maplibregl.Marker({ element, rotationAlignment: 'map' }).setLngLat(lngLat).setPopup(new maplibregl.Popup({ offset: 14, closeButton: false })).addTo(this.map);
        // Hover opens and closes it outright (a toggle would drift out of step with clicks).
        element.addEventListener('mouseenter', () => marker.getPopup()?.setLngLat(marker.getLngLat()).addTo(this.map));
        element.addEventListener('mouseleave', () => marker.getPopup()?.remove());
        const select = () => this.onSelect({ id: element.dataset.vehicleId!, name: this.markers.get(element.dataset.vehicleId!)?.vehicle.name ?? '' });
        element.addEventListener('click', select);
        element.addEventListener('keydown', (event) => event.key === 'Enter' && select());
        entry = { marker, vehicle };
        this.markers.set(vehicle.id, entry);
      } else if (entry.vehicle.position?.timestamp !== vehicle.position.timestamp) moved.add(vehicle.id);
      entry.vehicle = vehicle;
      entry.marker.setLngLat(lngLat);
      this.describe(entry, now);
    }
    for (const [id, entry] of this.markers) {
      if (seen.has(id)) continue;
      entry.marker.remove();
      this.markers.delete(id);
    }
    return moved;
  }

  /** Nothing new from the API: only the ages in the popups move on. */
  refreshAges(now: number): void {
    for (const entry of this.markers.values()) this.describe(entry, now);
  }

  bounds(): maplibregl.LngLatBounds {
    const bounds = new maplibregl.LngLatBounds();
    for (const { vehicle } of this.markers.values()) bounds.extend([vehicle.position!.lon, vehicle.position!.lat]);
    return bounds;
  }

  private describe(entry: { marker: maplibregl.Marker; vehicle: VehicleView }, now: number): void {
    const { vehicle, marker } = entry;
    const element = marker.getElement();
    const status = markerStatus(vehicle, this.movingAboveKmh);
    element.dataset.status = status;
    element.title = vehicle.name;
    // The shape's sharp corner is its top left: turned 45° more, it points along the heading.
    marker.setRotation((vehicle.position?.heading ?? 0) + 45);
    const speed = vehicle.position?.speed;
    const lines = [
      vehicle.name,
      `${status}${speed !== undefined ? ` · ${Math.round(speed)} km/h` : ''}${vehicle.position?.heading !== undefined ? ` · heading ${Math.round(vehicle.position.heading)}°` : ''}`,
      `last seen ${age(vehicle.lastSeenAt, now)}`,
    ];
    const popup = marker.getPopup();
    const content = document.createElement('div');
    for (const line of lines) content.appendChild(document.createElement('div')).textContent = line;
    popup?.setDOMContent(content);
  }
}
