/**
 * Geofence geometry, pure functions: validation that names the field, and containment.
 * Polygons are GeoJSON (RFC 7946): [lon, lat] positions, closed rings, the first ring the outer
 * boundary and the rest holes; edges are straight lines in longitude/latitude, as in GeoJSON and
 * Amazon Location. A ring may cross the antimeridian: each edge is read the short way round (an
 * edge from 179° to -179° is 2° wide, not 358°).
 */
import type { FieldError } from './errors';
import { distanceMeters } from './geo';

export type Ring = readonly (readonly [number, number])[];
export type PolygonCoordinates = readonly Ring[];

export type GeofenceGeometry =
  | { readonly type: 'Circle'; readonly center: readonly [number, number]; readonly radius: number }
  | { readonly type: 'Polygon'; readonly coordinates: PolygonCoordinates }
  | { readonly type: 'MultiPolygon'; readonly coordinates: readonly PolygonCoordinates[] };

/** Bounds that keep one geofence's evaluation and storage small. */
export const GEOFENCE_LIMITS = {
  /** Vertices of all rings of one geofence together (closing vertices included). */
  maxVertices: 1000,
  minRadiusMeters: 10,
  maxRadiusMeters: 100_000,
  /** A ring must not span more longitude than this (read edge by edge): nothing larger is a geofence. */
  maxLongitudeSpan: 180,
} as const;

/**
 * A ring with its longitudes unwrapped, each edge the short way round: continuous across the
 * antimeridian, so it may run past ±180.
 */
function unwrap(ring: Ring): [number, number][] {
  const out: [number, number][] = [];
  let previous: number | undefined;
  for (const [lon, lat] of ring) {
    let unwrapped = lon;
    if (previous !== undefined) {
      while (unwrapped - previous > 180) unwrapped -= 360;
      while (unwrapped - previous < -180) unwrapped += 360;
    }
    out.push([unwrapped, lat]);
    previous = unwrapped;
  }
  return out;
}

/** Whether segments p1-p2 and p3-p4 touch or cross (collinear overlaps included). */
function segmentsIntersect(p1: readonly number[], p2: readonly number[], p3: readonly number[], p4: readonly number[]): boolean {
  const orientation = (a: readonly number[], b: readonly number[], c: readonly number[]) => {
    const value = (b[1] - a[1]) * (c[0] - b[0]) - (b[0] - a[0]) * (c[1] - b[1]);
    return value === 0 ? 0 : value > 0 ? 1 : 2;
  };
  const onSegment = (a: readonly number[], b: readonly number[], c: readonly number[]) =>
    Math.min(a[0], c[0]) <= b[0] && b[0] <= Math.max(a[0], c[0]) && Math.min(a[1], c[1]) <= b[1] && b[1] <= Math.max(a[1], c[1]);
  const [o1, o2, o3, o4] = [orientation(p1, p2, p3), orientation(p1, p2, p4), orientation(p3, p4, p1), orientation(p3, p4, p2)];
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(p1, p3, p2)) || (o2 === 0 && onSegment(p1, p4, p2)) || (o3 === 0 && onSegment(p3, p1, p4)) || (o4 === 0 && onSegment(p3, p2, p4));
}

/** The first pair of non-adjacent edges of a closed ring that touch or cross, as edge indexes. */
function selfIntersection(ring: readonly (readonly number[])[]): [number, number] | undefined {
  const edges = ring.length - 1;
  for (let i = 0; i < edges; i++) {
    for (let j = i + 1; j < edges; j++) {
      if (j === i + 1 || (i === 0 && j === edges - 1)) continue; // neighbours share a vertex
      if (segmentsIntersect(ring[i], ring[i + 1], ring[j], ring[j + 1])) return [i, j];
    }
  }
  return undefined;
}

function ringProblems(ring: Ring, field: string): FieldError[] {
  if (ring.length < 4) return [{ field, message: 'must have at least 4 positions (a triangle, closed)' }];
  const [first, last] = [ring[0], ring[ring.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1]) return [{ field, message: 'must be closed: its last position must repeat its first' }];
  const unwrapped = unwrap(ring);
  // Closed once unwrapped too: a ring that winds all the way round the globe is not a geofence.
  if (unwrapped[0][0] !== unwrapped[unwrapped.length - 1][0]) return [{ field, message: 'must not circle the whole globe' }];
  const lons = unwrapped.map(([lon]) => lon);
  if (Math.max(...lons) - Math.min(...lons) > GEOFENCE_LIMITS.maxLongitudeSpan) {
    return [{ field, message: `must span at most ${GEOFENCE_LIMITS.maxLongitudeSpan}° of longitude` }];
  }
  const crossing = selfIntersection(unwrapped);
  if (crossing) return [{ field, message: `must not intersect itself (edges ${crossing[0]} and ${crossing[1]} cross or touch)` }];
  // Shoelace: a ring of collinear or repeated positions encloses nothing.
  const area = unwrapped.reduce((sum, [x, y], i) => (i === 0 ? 0 : sum + (unwrapped[i - 1][0] * y - x * unwrapped[i - 1][1])), 0) / 2;
  if (Math.abs(area) < 1e-12) return [{ field, message: 'must enclose an area (its positions are all on one line)' }];
  return [];
}

function polygonProblems(polygon: PolygonCoordinates, field: string): FieldError[] {
  const problems = polygon.flatMap((ring, i) => ringProblems(ring, `${field}[${i}]`));
  if (problems.length) return problems;
  // Holes: inside the outer ring, touching it nowhere (else "inside" would mean something else).
  const outer = unwrap(polygon[0]);
  for (let i = 1; i < polygon.length; i++) {
    const hole = unwrap(polygon[i]);
    const shift = Math.round((outer[0][0] - hole[0][0]) / 360) * 360; // the same side of the antimeridian as the outer ring
    const shifted = hole.map(([lon, lat]) => [lon + shift, lat]);
    const crosses = shifted.some((_, a) => a < shifted.length - 1 && outer.some((__, b) => b < outer.length - 1 && segmentsIntersect(shifted[a], shifted[a + 1], outer[b], outer[b + 1])));
    if (crosses || !inRing(outer, shifted[0][0], shifted[0][1])) {
      return [{ field: `${field}[${i}]`, message: 'is a hole: it must lie inside the outer ring (the first), touching it nowhere' }];
    }
  }
  return [];
}

/** What is wrong with a geometry (already schema-valid: types and coordinate ranges), each problem naming its field. */
export function geometryProblems(geometry: GeofenceGeometry, field = 'geometry'): FieldError[] {
  if (geometry.type === 'Circle') {
    const { minRadiusMeters: min, maxRadiusMeters: max } = GEOFENCE_LIMITS;
    return geometry.radius >= min && geometry.radius <= max ? [] : [{ field: `${field}.radius`, message: `must be from ${min} to ${max} metres` }];
  }
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const vertices = polygons.flat().reduce((sum, ring) => sum + ring.length, 0);
  if (vertices > GEOFENCE_LIMITS.maxVertices) {
    return [{ field: `${field}.coordinates`, message: `must have at most ${GEOFENCE_LIMITS.maxVertices} positions in all (has ${vertices})` }];
  }
  return geometry.type === 'Polygon'
    ? polygonProblems(geometry.coordinates, `${field}.coordinates`)
    : geometry.coordinates.flatMap((polygon, i) => polygonProblems(polygon, `${field}.coordinates[${i}]`));
}

/** Even-odd ray casting on an unwrapped ring, at the point's longitude and its ±360° twins. */
function inRing(ring: readonly (readonly number[])[], lon: number, lat: number): boolean {
  for (const x of [lon, lon - 360, lon + 360]) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > lat !== yj > lat && x < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    if (inside) return true;
  }
  return false;
}

/** A geometry prepared once for many containment tests (rings unwrapped). */
export interface PreparedGeometry {
  contains(lat: number, lon: number): boolean;
}

/** Metres per degree of latitude, rounded down: a latitude band this wide is sure to hold the circle. */
const METRES_PER_DEGREE_LATITUDE = 110_500;

/**
 * Most fixes are far from most geofences, so each test starts with a bounding box (latitude band;
 * longitude range of the unwrapped outer ring, tried at lon and lon ± 360), which costs a few
 * comparisons, before the ray casting or the great-circle distance.
 */
export function prepareGeometry(geometry: GeofenceGeometry): PreparedGeometry {
  if (geometry.type === 'Circle') {
    const [lon, lat] = geometry.center;
    const band = geometry.radius / METRES_PER_DEGREE_LATITUDE;
    return { contains: (pLat, pLon) => Math.abs(pLat - lat) <= band && distanceMeters(lat, lon, pLat, pLon) <= geometry.radius };
  }
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates).map((polygon) => {
    const rings = polygon.map(unwrap);
    const [outer] = rings;
    const lons = outer.map(([x]) => x);
    const lats = outer.map(([, y]) => y);
    return { rings, minLon: Math.min(...lons), maxLon: Math.max(...lons), minLat: Math.min(...lats), maxLat: Math.max(...lats) };
  });
  const inBox = (box: (typeof polygons)[number], lat: number, lon: number) =>
    lat >= box.minLat && lat <= box.maxLat && [lon, lon - 360, lon + 360].some((x) => x >= box.minLon && x <= box.maxLon);
  return {
    contains: (lat, lon) =>
      polygons.some((box) => {
        if (!inBox(box, lat, lon)) return false;
        const [outer, ...holes] = box.rings;
        return inRing(outer, lon, lat) && !holes.some((hole) => inRing(hole, lon, lat));
      }),
  };
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A GeoJSON position [lon, lat] (an altitude after them is ignored), or a problem naming it. */
function parsePosition(value: unknown, field: string, errors: FieldError[]): [number, number] | undefined {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !value.every(isNumber)) {
    errors.push({ field, message: 'must be a [longitude, latitude] pair of numbers' });
    return undefined;
  }
  const [lon, lat] = value as number[];
  if (lon < -180 || lon > 180) errors.push({ field: `${field}[0]`, message: 'must be a longitude from -180 to 180' });
  else if (lat < -90 || lat > 90) errors.push({ field: `${field}[1]`, message: 'must be a latitude from -90 to 90' });
  else return [lon, lat];
  return undefined;
}

function parseArray<T>(value: unknown, field: string, what: string, errors: FieldError[], item: (value: unknown, field: string) => T | undefined): T[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field, message: `must be a non-empty array of ${what}` });
    return undefined;
  }
  const items = value.map((v, i) => item(v, `${field}[${i}]`));
  return items.every((v) => v !== undefined) ? (items as T[]) : undefined;
}

const MAX_FIELD_PROBLEMS = 20;

/**
 * A geometry from a request body: `{type: 'Circle', center: [lon, lat], radius}`, or a GeoJSON
 * Polygon / MultiPolygon. Structure first (bounded: it stops after 20 problems and never walks more
 * than the vertex limit), then the rings' shapes (closed, simple, not round the globe).
 */
export function parseGeometry(value: unknown, field = 'geometry'): { geometry: GeofenceGeometry } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body = value as { type?: unknown; center?: unknown; radius?: unknown; coordinates?: unknown };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { errors: [{ field, message: 'must be an object' }] };
  const extra = Object.keys(body).filter((key) => !['type', 'center', 'radius', 'coordinates'].includes(key));
  if (extra.length) return { errors: extra.slice(0, MAX_FIELD_PROBLEMS).map((key) => ({ field: `${field}.${key}`, message: 'is not a known field' })) };
  let geometry: GeofenceGeometry | undefined;
  if (body.type === 'Circle') {
    if (body.coordinates !== undefined) return { errors: [{ field: `${field}.coordinates`, message: 'is not used by a Circle (center and radius are)' }] };
    const center = parsePosition(body.center, `${field}.center`, errors);
    if (!isNumber(body.radius)) errors.push({ field: `${field}.radius`, message: 'must be a number of metres' });
    if (center && isNumber(body.radius)) geometry = { type: 'Circle', center, radius: body.radius };
  } else if (body.type === 'Polygon' || body.type === 'MultiPolygon') {
    if (body.center !== undefined || body.radius !== undefined) return { errors: [{ field: `${field}.${body.center !== undefined ? 'center' : 'radius'}`, message: `is not used by a ${body.type} (coordinates are)` }] };
    // Count before walking: a body of 5,000 rings of 5,000 positions is refused without parsing them.
    const count = (v: unknown, depth: number): number => (depth === 0 || !Array.isArray(v) ? 1 : v.reduce((sum: number, inner) => sum + count(inner, depth - 1), 0));
    const vertices = Array.isArray(body.coordinates) ? count(body.coordinates, body.type === 'Polygon' ? 2 : 3) : 0;
    if (vertices > GEOFENCE_LIMITS.maxVertices) {
      return { errors: [{ field: `${field}.coordinates`, message: `must have at most ${GEOFENCE_LIMITS.maxVertices} positions in all (has ${vertices})` }] };
    }
    const ring = (v: unknown, f: string) => parseArray(v, f, 'positions', errors, (p, pf) => parsePosition(p, pf, errors));
    const polygon = (v: unknown, f: string) => parseArray(v, f, 'rings', errors, ring);
    if (body.type === 'Polygon') {
      const coordinates = polygon(body.coordinates, `${field}.coordinates`);
      if (coordinates) geometry = { type: 'Polygon', coordinates };
    } else {
      const coordinates = parseArray(body.coordinates, `${field}.coordinates`, 'polygons', errors, polygon);
      if (coordinates) geometry = { type: 'MultiPolygon', coordinates };
    }
  } else {
    errors.push({ field: `${field}.type`, message: 'must be Circle, Polygon or MultiPolygon' });
  }
  if (errors.length || !geometry) return { errors: errors.slice(0, MAX_FIELD_PROBLEMS) };
  const problems = geometryProblems(geometry, field);
  return problems.length ? { errors: problems.slice(0, MAX_FIELD_PROBLEMS) } : { geometry };
}
