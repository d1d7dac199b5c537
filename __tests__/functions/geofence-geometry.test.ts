import { GeofenceGeometry, geometryProblems, prepareGeometry } from '../../functions/api/domain/geofence-geometry';
import { distanceMeters } from '../../functions/api/domain/geo';

const square = (lon: number, lat: number, size: number): [number, number][] => [
  [lon, lat],
  [lon + size, lat],
  [lon + size, lat + size],
  [lon, lat + size],
  [lon, lat],
];
const polygon = (...rings: [number, number][][]): GeofenceGeometry => ({ type: 'Polygon', coordinates: rings });

describe('geofence containment', () => {
  test('a polygon with a hole: inside, in the hole, outside', () => {
    const depot = prepareGeometry(polygon(square(4, 52, 1), square(4.25, 52.25, 0.5)));
    expect(depot.contains(52.1, 4.1)).toBe(true);
    expect(depot.contains(52.5, 4.5)).toBe(false); // the hole
    expect(depot.contains(53.5, 4.5)).toBe(false);
  });

  test('a ring across the antimeridian is read the short way round, from either side', () => {
    const fiji = prepareGeometry(polygon([[179, -17], [-179, -17], [-179, -16], [179, -16], [179, -17]]));
    expect(fiji.contains(-16.5, 179.5)).toBe(true);
    expect(fiji.contains(-16.5, -179.5)).toBe(true);
    expect(fiji.contains(-16.5, 0)).toBe(false);
    expect(fiji.contains(-16.5, 178.5)).toBe(false);
    const westFirst = prepareGeometry(polygon([[-179, -17], [-179, -16], [179, -16], [179, -17], [-179, -17]]));
    expect(westFirst.contains(-16.5, 179.9)).toBe(true);
    expect(westFirst.contains(-16.5, -179.9)).toBe(true);
    expect(westFirst.contains(-16.5, 1)).toBe(false);
  });

  test('a multipolygon contains what any of its polygons contains; a circle is measured on the sphere', () => {
    const two = prepareGeometry({ type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(10, 10, 1)]] });
    expect([two.contains(0.5, 0.5), two.contains(10.5, 10.5), two.contains(5, 5)]).toEqual([true, true, false]);
    const circle = prepareGeometry({ type: 'Circle', center: [4.9, 52.37], radius: 500 });
    expect(circle.contains(52.37 + 0.0044, 4.9)).toBe(true); // ~489 m north
    expect(circle.contains(52.37 + 0.0046, 4.9)).toBe(false); // ~512 m north
  });
});

describe('holes that are holes', () => {
  test('the bounding-box pre-check never changes an answer: circles agree with the distance, at any latitude', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (const lat of [0, 52.37, 78, 89.5]) {
      const radius = 500 + random() * 50_000;
      const circle = prepareGeometry({ type: 'Circle', center: [179.9, lat], radius });
      for (let i = 0; i < 500; i++) {
        const [pLat, pLon] = [Math.max(-90, Math.min(90, lat + (random() - 0.5) * 4 * (radius / 111_000))), ((179.9 + (random() - 0.5) * 8 * (radius / 111_000) + 540) % 360) - 180];
        expect([lat, pLat, pLon, circle.contains(pLat, pLon)]).toEqual([lat, pLat, pLon, distanceMeters(lat, 179.9, pLat, pLon) <= radius]);
      }
    }
  });

  test('a hole inside the outer ring is accepted, across the antimeridian too', () => {
    expect(geometryProblems(polygon(square(4, 52, 1), square(4.25, 52.25, 0.5)))).toEqual([]);
    const outer: [number, number][] = [[178, -18], [-178, -18], [-178, -15], [178, -15], [178, -18]];
    const hole: [number, number][] = [[179.5, -17], [-179.5, -17], [-179.5, -16], [179.5, -16], [179.5, -17]];
    expect(geometryProblems(polygon(outer, hole))).toEqual([]);
    expect(prepareGeometry(polygon(outer, hole)).contains(-16.5, 179.9)).toBe(false);
    expect(prepareGeometry(polygon(outer, hole)).contains(-16.5, 178.5)).toBe(true);
  });
});

describe('geofence validation names the field', () => {
  test.each([
    ['an open ring', polygon([[0, 0], [1, 0], [1, 1], [0, 1]]), 'geometry.coordinates[0]', /closed/],
    ['too few positions', polygon([[0, 0], [1, 0], [0, 0]]), 'geometry.coordinates[0]', /at least 4/],
    ['a bow tie', polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), 'geometry.coordinates[0]', /intersect itself/],
    ['a self-touching hole', polygon(square(0, 0, 4), [[1, 1], [2, 1], [2, 2], [1, 1], [1, 2], [1, 1]]), 'geometry.coordinates[1]', /intersect itself/],
    ['a ring round the globe', polygon([[0, 0], [120, 0], [-120, 0], [0, 1], [0, 0]]), 'geometry.coordinates[0]', /circle the whole globe/],
    ['a bad polygon of a multipolygon', { type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]] } as GeofenceGeometry, 'geometry.coordinates[1][0]', /intersect/],
    ['a ring on one line', polygon([[0, 0], [1, 1], [2, 2], [0, 0]]), 'geometry.coordinates[0]', /enclose an area/],
    ['a ring of one repeated position', polygon([[1, 1], [1, 1], [1, 1], [1, 1]]), 'geometry.coordinates[0]', /enclose an area/],
    ['a hole outside the outer ring', polygon(square(0, 0, 1), square(5, 5, 1)), 'geometry.coordinates[1]', /inside the outer ring/],
    ['a hole crossing the outer ring', polygon(square(0, 0, 1), square(0.5, 0.5, 1)), 'geometry.coordinates[1]', /inside the outer ring/],
    ['a radius too small', { type: 'Circle', center: [0, 0], radius: 5 } as GeofenceGeometry, 'geometry.radius', /10 to 100000/],
    ['a radius too large', { type: 'Circle', center: [0, 0], radius: 100_001 } as GeofenceGeometry, 'geometry.radius', /10 to 100000/],
  ])('%s', (_name, geometry, field, message) => {
    const problems = geometryProblems(geometry);
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe(field);
    expect(problems[0].message).toMatch(message);
  });

  test('too many vertices in all is refused before any ring is examined', () => {
    const big: [number, number][] = Array.from({ length: 1000 }, (_, i) => [Math.cos((i / 1000) * 2 * Math.PI), Math.sin((i / 1000) * 2 * Math.PI)]);
    big.push(big[0]);
    expect(geometryProblems(polygon(big))).toEqual([{ field: 'geometry.coordinates', message: 'must have at most 1000 positions in all (has 1001)' }]);
    expect(geometryProblems(polygon(big.slice(0, 999).concat([big[0]])))).toEqual([]);
  });
});
