import { distanceMeters } from '../../functions/api/domain/geo';
import { simplify } from '../../functions/api/domain/simplify';
import { TestApp, createVehicle, iso, startTestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const SEC = 1000;
const start = Date.now() - 2 * 3600 * SEC;

/** A vehicle with `count` fixes, one per second, heading east with a small zigzag. */
async function vehicleWithTrack(count: number, extra: (i: number) => object = () => ({})): Promise<string> {
  const { id } = await createVehicle(t.app);
  const fixes = Array.from({ length: count }, (_, i) => ({ lat: 52 + (i % 2) * 0.00001, lon: 5 + i * 0.0001, speed: 25, timestamp: iso(start + i * SEC), ...extra(i) }));
  for (let i = 0; i < fixes.length; i += 500) {
    expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes.slice(i, i + 500) })).statusCode).toBe(200);
  }
  return id;
}
const exportOf = (id: string, query: string) => t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?from=${start}&${query}` });

describe('history export', () => {
  test('CSV: a header and one row per fix, quoted where needed, spreadsheet formulas defused', async () => {
    const id = await vehicleWithTrack(3, (i) => (i === 1 ? { attributes: { note: '=HYPERLINK("http://evil")' } } : {}));
    const response = await exportOf(id, 'format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(new RegExp(`attachment; filename="${id}-\\d{4}-\\d\\d-\\d\\d.csv"`));
    const lines = response.body.trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,lat,lon,speed,heading,altitude,accuracy,filtered,attributes');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`${iso(start)},52,5,25,,,,,`);
    expect(lines[2]).toContain('"{""note"":""=HYPERLINK(\\""http://evil\\"")""}"');
  });

  test('GeoJSON is one LineString feature with times; GPX one track segment', async () => {
    const id = await vehicleWithTrack(5);
    const geojson = JSON.parse((await exportOf(id, 'format=geojson')).body);
    expect(geojson.type).toBe('FeatureCollection');
    expect(geojson.features[0].geometry.type).toBe('LineString');
    expect(geojson.features[0].geometry.coordinates).toHaveLength(5);
    expect(geojson.features[0].geometry.coordinates[0]).toEqual([5, 52]);
    expect(geojson.features[0].properties.times[4]).toBe(iso(start + 4 * SEC));
    const gpx = await exportOf(id, 'format=gpx');
    expect(gpx.headers['content-type']).toBe('application/gpx+xml');
    expect(gpx.body.match(/<trkpt /g)).toHaveLength(5);
    expect(gpx.body).toContain(`<trkpt lat="52" lon="5"><time>${iso(start)}</time></trkpt>`);
  });

  test('documents continue through Link headers: every fix exactly once, in order', async () => {
    const id = await vehicleWithTrack(1200);
    const times: string[] = [];
    let url: string | undefined = `/vehicles/${id}/positions?from=${start}&format=geojson&limit=500`;
    let documents = 0;
    while (url) {
      const response: { statusCode: number; body: string; headers: Record<string, unknown> } = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      times.push(...JSON.parse(response.body).features[0].properties.times);
      documents += 1;
      url = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
    }
    expect(documents).toBe(3);
    expect(times).toEqual(Array.from({ length: 1200 }, (_, i) => iso(start + i * SEC)));
  });

  test('a document across midnight UTC is named by both days', async () => {
    const { id } = await createVehicle(t.app);
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const fixes = [midnight - 2 * SEC, midnight + 2 * SEC].map((ms, i) => ({ lat: 52, lon: 5 + i * 0.001, timestamp: iso(ms) }));
    expect((await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: fixes })).statusCode).toBe(200);
    const [before, after] = fixes.map((fix) => fix.timestamp.slice(0, 10));
    const csv = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?format=csv` });
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${id}-${before}_${after}.csv"`);
  });

  test('a range of exactly limit fixes is one document, with no Link to an empty one', async () => {
    const id = await vehicleWithTrack(6);
    for (const order of ['asc', 'desc']) {
      const whole = await exportOf(id, `format=csv&order=${order}&limit=6`);
      expect(whole.body.trimEnd().split('\n')).toHaveLength(7);
      expect(whole.headers.link).toBeUndefined();
      expect((await exportOf(id, `format=csv&order=${order}&limit=5`)).headers.link).toMatch(/rel="next"/);
    }
  });

  test('fixes that do not count past the end (filtered: a GPS chip\'s 0,0) lead to no empty document', async () => {
    // 6 kept, then 10 filtered (asc); and the mirror image for desc.
    const keptFirst = await vehicleWithTrack(16, (i) => (i >= 6 ? { lat: 0, lon: 0 } : {}));
    const keptLast = await vehicleWithTrack(16, (i) => (i < 10 ? { lat: 0, lon: 0 } : {}));
    expect((await exportOf(keptFirst, 'format=csv&limit=6')).headers.link).toBeUndefined();
    expect((await exportOf(keptLast, 'format=csv&order=desc&limit=6')).headers.link).toBeUndefined();
    // With include=filtered they count: the document is full and more follow.
    expect((await exportOf(keptFirst, 'format=csv&limit=6&include=filtered')).headers.link).toMatch(/rel="next"/);
  });

  test('order=desc: each document is the newest fixes left, written in time order; Link continues with older ones', async () => {
    const id = await vehicleWithTrack(12);
    const documents: string[][] = [];
    let url: string | undefined = `/vehicles/${id}/positions?from=${start}&format=geojson&order=desc&limit=5`;
    while (url) {
      const response: { statusCode: number; body: string; headers: Record<string, unknown> } = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      documents.push(JSON.parse(response.body).features[0].properties.times);
      url = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
    }
    const at = (...seconds: number[]) => seconds.map((s) => iso(start + s * SEC));
    expect(documents).toEqual([at(7, 8, 9, 10, 11), at(2, 3, 4, 5, 6), at(0, 1)]);
    // Without a from, the newest document is named by the day of its own fixes, not the retention start.
    const newest = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?format=gpx&order=desc&limit=5` });
    const [firstDay, lastDay] = [7, 11].map((s) => iso(start + s * SEC).slice(0, 10)); // the same day unless run between 02:00:07 and 02:00:11 UTC
    expect(newest.headers['content-disposition']).toBe(`attachment; filename="${id}-${firstDay}${lastDay === firstDay ? '' : `_${lastDay}`}.gpx"`);
    // Every format: the same newest fixes, in time order.
    const csv = (await exportOf(id, 'format=csv&order=desc&limit=2')).body.trimEnd().split('\n').slice(1);
    expect(csv.map((row) => row.split(',')[0])).toEqual(at(10, 11));
    expect((await exportOf(id, 'format=gpx&order=desc&limit=3')).body.match(/<time>[^<]+/g)).toEqual(at(9, 10, 11).map((time) => `<time>${time}`));
  });

  test('simplify keeps the shape within the tolerance and drops the rest', async () => {
    const id = await vehicleWithTrack(600);
    const all = JSON.parse((await exportOf(id, 'format=geojson')).body).features[0].geometry.coordinates as [number, number][];
    const simplified = JSON.parse((await exportOf(id, 'format=geojson&simplify=5')).body).features[0].geometry.coordinates as [number, number][];
    expect(simplified.length).toBeLessThan(10); // a zigzag of 1 m on a straight line
    expect(simplified[0]).toEqual(all[0]);
    expect(simplified[simplified.length - 1]).toEqual(all[all.length - 1]);
  });

  test('bad combinations are a 400 naming the field', async () => {
    const id = await vehicleWithTrack(2);
    const field = async (query: string) => (await exportOf(id, query)).json().errors[0].field;
    expect(await field('format=kml')).toBe('format');
    expect(await field('format=csv&order=sideways')).toBe('order');
    expect(await field('simplify=5')).toBe('simplify');
    expect(await field('format=csv&simplify=0')).toBe('simplify');
    expect(await field('limit=5000')).toBe('limit');
    // Without the test's own from: a to before the default from (the retention start) is named as to.
    const early = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?to=2000-01-01T00:00:00Z&format=csv` });
    expect(early.statusCode).toBe(400);
    expect(early.json().errors[0].field).toBe('to');
  });

  test('a range past the last representable date is clamped to it (as /events does): an empty document, named, not a 500', async () => {
    const id = await vehicleWithTrack(2);
    const far = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?from=9007199254740991&to=9007199254740991&format=csv` });
    expect(far.statusCode).toBe(200);
    expect(far.body.trimEnd().split('\n')).toHaveLength(1); // the header alone
    expect(far.headers['content-disposition']).toBe(`attachment; filename="${id}-+275760-09-13.csv"`);
    const all = await t.app.inject({ method: 'GET', url: `/vehicles/${id}/positions?from=${start}&to=9007199254740991&format=csv` });
    expect(all.body.trimEnd().split('\n')).toHaveLength(3);
  });
});

describe('Douglas–Peucker', () => {
  test('every fix left out lies within the tolerance of the simplified line (random tracks)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let run = 0; run < 20; run++) {
      let [lat, lon] = [40 + random(), -3 + random()];
      const track = Array.from({ length: 300 }, () => ({ lat: (lat += (random() - 0.5) * 0.002), lon: (lon += (random() - 0.3) * 0.002) }));
      const tolerance = 5 + random() * 50;
      const kept = simplify(track, tolerance);
      // Each left-out fix is near the segment between the kept fixes around it (sampled finely).
      let k = 0;
      track.forEach((fix, i) => {
        if (kept[k + 1] === fix) k += 1;
        if (kept.includes(fix)) return;
        const [a, b] = [kept[k], kept[k + 1]];
        const nearest = Math.min(...Array.from({ length: 201 }, (_, s) => distanceMeters(fix.lat, fix.lon, a.lat + ((b.lat - a.lat) * s) / 200, a.lon + ((b.lon - a.lon) * s) / 200)));
        expect({ run, i, within: nearest <= tolerance + 0.5 }).toEqual({ run, i, within: true });
      });
    }
  });
});
