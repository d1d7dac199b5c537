/**
 * Douglas–Peucker line simplification in metres: every fix left out lies within `tolerance` metres
 * of the simplified line (measured on a local equirectangular projection, exact enough for the
 * tens of kilometres one export spans; the first and last fixes are always kept).
 */
import { EARTH_RADIUS_M } from './geo';

interface Point {
  readonly lat: number;
  readonly lon: number;
}

const toRad = (degrees: number) => (degrees * Math.PI) / 180;

export function simplify<T extends Point>(points: readonly T[], tolerance: number): T[] {
  if (points.length <= 2) return [...points];
  const meanLat = toRad(points.reduce((sum, p) => sum + p.lat, 0) / points.length);
  // Longitudes unwrapped around the first point, so a track across the antimeridian stays continuous.
  const xy = points.map((p) => {
    let dLon = p.lon - points[0].lon;
    if (dLon > 180) dLon -= 360;
    if (dLon < -180) dLon += 360;
    return [toRad(dLon) * Math.cos(meanLat) * EARTH_RADIUS_M, toRad(p.lat) * EARTH_RADIUS_M];
  });
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  // An explicit stack: a long straight track would recurse as deep as it has points.
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    const [ax, ay] = xy[first];
    const [bx, by] = xy[last];
    const [dx, dy] = [bx - ax, by - ay];
    const length2 = dx * dx + dy * dy;
    let [farthest, distance] = [-1, tolerance];
    for (let i = first + 1; i < last; i++) {
      const [px, py] = xy[i];
      const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2));
      const d = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
      if (d > distance) [farthest, distance] = [i, d];
    }
    if (farthest < 0) continue;
    keep[farthest] = 1;
    stack.push([first, farthest], [farthest, last]);
  }
  return points.filter((_, i) => keep[i]);
}
