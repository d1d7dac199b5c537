/** Geometry, pure functions: great-circle distance, bearing and travel; geohash cells for nearby search. */

/** Mean Earth radius (IUGG), metres. Both search paths measure with this, so they agree exactly. */
export const EARTH_RADIUS_M = 6_371_008.8;
const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
const toRad = (degrees: number) => (degrees * Math.PI) / 180;
const toDeg = (radians: number) => (radians * 180) / Math.PI;

export interface Point {
  readonly lat: number;
  readonly lon: number;
}

/** Haversine distance in metres, rounded to the centimetre. */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = toRad(lat2 - lat1);
  const dLon = toRad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2;
  const meters = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  return Math.round(meters * 100) / 100;
}

/** Initial bearing from a to b, degrees clockwise from north. */
export function bearing(a: Point, b: Point): number {
  const y = Math.sin(toRad(b.lon - a.lon)) * Math.cos(toRad(b.lat));
  const x = Math.cos(toRad(a.lat)) * Math.sin(toRad(b.lat)) - Math.sin(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.cos(toRad(b.lon - a.lon));
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

/** The point `meters` away from `from` along `headingDegrees` (a great circle). */
export function travel(from: Point, headingDegrees: number, meters: number): Point {
  const d = meters / EARTH_RADIUS_M;
  const h = toRad(headingDegrees);
  const lat1 = toRad(from.lat);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(h));
  const lon2 = toRad(from.lon) + Math.atan2(Math.sin(h) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: toDeg(lat2), lon: ((toDeg(lon2) + 540) % 360) - 180 };
}

export function geohash(lat: number, lon: number, precision: number): string {
  let [latMin, latMax, lonMin, lonMax] = [-90, 90, -180, 180];
  let hash = '';
  let bits = 0;
  let value = 0;
  let evenBit = true;
  while (hash.length < precision) {
    if (evenBit) {
      const mid = (lonMin + lonMax) / 2;
      if (lon >= mid) {
        value = value * 2 + 1;
        lonMin = mid;
      } else {
        value *= 2;
        lonMax = mid;
      }
    } else {
      const mid = (latMin + latMax) / 2;
      if (lat >= mid) {
        value = value * 2 + 1;
        latMin = mid;
      } else {
        value *= 2;
        latMax = mid;
      }
    }
    evenBit = !evenBit;
    if (++bits === 5) {
      hash += BASE32[value];
      bits = 0;
      value = 0;
    }
  }
  return hash;
}

/** Width and height in degrees of a geohash cell of this precision. */
export function cellSize(precision: number): { lat: number; lon: number } {
  const totalBits = precision * 5;
  const lonBits = Math.ceil(totalBits / 2);
  const latBits = Math.floor(totalBits / 2);
  return { lat: 180 / 2 ** latBits, lon: 360 / 2 ** lonBits };
}

const normalizeLon = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180;

/**
 * Every cell that may hold a point within `radius` metres of (lat, lon): the cells of the
 * circle's bounding box, wrapping across the antimeridian and widening to all longitudes when the
 * circle reaches a pole. Returns undefined when that is more than `maxCells` cells.
 */
export function coveringCells(lat: number, lon: number, radius: number, precision: number, maxCells: number): string[] | undefined {
  const size = cellSize(precision);
  const dLat = (radius / EARTH_RADIUS_M) * (180 / Math.PI);
  const latMin = Math.max(-90, lat - dLat);
  const latMax = Math.min(90, lat + dLat);
  const reachesPole = latMin <= -90 + 1e-9 || latMax >= 90 - 1e-9;
  // Widest longitude span of the circle: at the box edge nearest a pole.
  const maxAbsLat = Math.max(Math.abs(latMin), Math.abs(latMax));
  const dLon = reachesPole || maxAbsLat >= 90 ? 180 : Math.min(180, dLat / Math.cos(toRad(maxAbsLat)));
  const lonStart = dLon >= 180 ? -180 : lon - dLon;
  const lonEnd = dLon >= 180 ? 180 : lon + dLon;
  const latSteps = Math.ceil((latMax - latMin) / size.lat) + 1;
  const lonSteps = Math.ceil((lonEnd - lonStart) / size.lon) + 1;
  if (latSteps * lonSteps > maxCells * 4) return undefined;
  const cells = new Set<string>();
  for (let i = 0; i <= latSteps; i++) {
    const cellLat = Math.min(latMax, latMin + i * size.lat);
    for (let j = 0; j <= lonSteps; j++) {
      const cellLon = Math.min(lonEnd, lonStart + j * size.lon);
      cells.add(geohash(Math.min(cellLat, 90 - 1e-9), normalizeLon(cellLon === 180 ? 180 - 1e-9 : cellLon), precision));
    }
  }
  return cells.size > maxCells ? undefined : [...cells];
}

/** The latitude and longitude ranges of a geohash cell. */
export function cellBounds(hash: string): { latMin: number; latMax: number; lonMin: number; lonMax: number } {
  let [latMin, latMax, lonMin, lonMax] = [-90, 90, -180, 180];
  let evenBit = true;
  for (const char of hash) {
    const value = BASE32.indexOf(char);
    for (let bit = 4; bit >= 0; bit--) {
      const on = (value >> bit) & 1;
      if (evenBit) {
        const mid = (lonMin + lonMax) / 2;
        if (on) lonMin = mid;
        else lonMax = mid;
      } else {
        const mid = (latMin + latMax) / 2;
        if (on) latMin = mid;
        else latMax = mid;
      }
      evenBit = !evenBit;
    }
  }
  return { latMin, latMax, lonMin, lonMax };
}

/**
 * A lower bound, in metres, of the distance from a point to anything in a geohash cell: the
 * haversine of the smallest latitude and longitude gaps, with the cell's latitude farthest from the
 * equator (where a degree of longitude is shortest). Never more than the true distance, so a search
 * can stop once its k-th result is nearer than every cell it has not read.
 */
export function minDistanceToCell(lat: number, lon: number, hash: string): number {
  const cell = cellBounds(hash);
  const dLat = lat < cell.latMin ? cell.latMin - lat : lat > cell.latMax ? lat - cell.latMax : 0;
  const lonGap = (edge: number) => Math.abs(normalizeLon(edge - lon));
  const inside = normalizeLon(lon - cell.lonMin) >= 0 && normalizeLon(lon - cell.lonMin) <= cell.lonMax - cell.lonMin;
  const dLon = inside ? 0 : Math.min(lonGap(cell.lonMin), lonGap(cell.lonMax));
  const farLat = Math.max(Math.abs(cell.latMin), Math.abs(cell.latMax));
  const a = Math.sin(toRad(dLat) / 2) ** 2 + Math.cos(toRad(lat)) * Math.cos(toRad(farLat)) * Math.sin(toRad(dLon) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The cells a circle touches, nearest first (by minDistanceToCell), or undefined beyond maxCells. */
export function cellsNearestFirst(lat: number, lon: number, radius: number, precision: number, maxCells: number): { cell: string; minDistance: number }[] | undefined {
  const cells = coveringCells(lat, lon, radius, precision, maxCells);
  if (!cells) return undefined;
  return cells
    .map((cell) => ({ cell, minDistance: minDistanceToCell(lat, lon, cell) }))
    .filter((c) => c.minDistance <= radius)
    .sort((a, b) => a.minDistance - b.minDistance);
}
