/// <reference lib="dom" />
/// <reference types="geojson" />
import type maplibregl from 'maplibre-gl';
import type { GeofenceView } from '../../domain/geofence';
import { GEOFENCE_OUTLINE } from './colours';

const METRES_PER_DEGREE = 111_320;
const CIRCLE_SEGMENTS = 64;

/** A circle as a ring for drawing (a local flat approximation: exact enough at geofence sizes). */
export function circleRing(center: readonly [number, number], radius: number): [number, number][] {
  const [lon, lat] = center;
  const dLat = radius / METRES_PER_DEGREE;
  const dLon = radius / (METRES_PER_DEGREE * Math.max(Math.cos((lat * Math.PI) / 180), 1e-6));
  const ring: [number, number][] = [];
  for (let i = 0; i <= CIRCLE_SEGMENTS; i++) {
    const angle = (2 * Math.PI * (i % CIRCLE_SEGMENTS)) / CIRCLE_SEGMENTS;
    ring.push([lon + dLon * Math.cos(angle), lat + dLat * Math.sin(angle)]);
  }
  return ring;
}

/** The geofences as GeoJSON features, named, for a fill and an outline layer. */
export function geofenceFeatures(geofences: readonly GeofenceView[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: geofences.map((geofence) => {
      const { geometry } = geofence;
      const shape: GeoJSON.Geometry =
        geometry.type === 'Circle'
          ? { type: 'Polygon', coordinates: [circleRing(geometry.center, geometry.radius)] }
          : (JSON.parse(JSON.stringify(geometry)) as GeoJSON.Polygon | GeoJSON.MultiPolygon);
      return { type: 'Feature', id: geofence.id, properties: { id: geofence.id, name: geofence.name }, geometry: shape };
    }),
  };
}

const SOURCE = 'geofences';
export const GEOFENCE_FILL_LAYER = 'geofence-fill';

/** The fleet's geofences, drawn under the vehicles: a translucent fill and an outline (the name on a click). */
export class GeofenceLayer {
  private drawn = 0;

  constructor(private readonly map: maplibregl.Map) {}

  get size(): number {
    return this.drawn;
  }

  show(geofences: readonly GeofenceView[]): void {
    const data = geofenceFeatures(geofences);
    const source = this.map.getSource(SOURCE) as maplibregl.GeoJSONSource | undefined;
    if (source) source.setData(data);
    else {
      this.map.addSource(SOURCE, { type: 'geojson', data });
      // Under a track drawn before them: a track crossing a geofence stays visible.
      const below = this.map.getLayer('track') ? 'track' : undefined;
      this.map.addLayer({ id: GEOFENCE_FILL_LAYER, type: 'fill', source: SOURCE, paint: { 'fill-color': '#e9c46a', 'fill-opacity': 0.25 } }, below);
      this.map.addLayer({ id: 'geofence-outline', type: 'line', source: SOURCE, paint: { 'line-color': GEOFENCE_OUTLINE, 'line-width': 2 } }, below);
    }
    this.drawn = geofences.length;
  }
}
