/// <reference lib="dom" />
/// <reference types="geojson" />
import type maplibregl from 'maplibre-gl';
import { travel } from '../../domain/geo';
import type { GeofenceView } from '../../domain/geofence';
import { GEOFENCE_OUTLINE } from './colours';

const CIRCLE_SEGMENTS = 64;

/** A circle as a ring for drawing: points at its radius along the great circles, as containment measures it. */
export function circleRing(center: readonly [number, number], radius: number): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i <= CIRCLE_SEGMENTS; i++) {
    const { lat, lon } = travel({ lon: center[0], lat: center[1] }, (360 * (i % CIRCLE_SEGMENTS)) / CIRCLE_SEGMENTS, radius);
    ring.push([lon, lat]);
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
