/** History export formats: each a complete document for one page of fixes, written piece by piece. */
import type { Position } from './position';

export const EXPORT_FORMATS = ['geojson', 'gpx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  geojson: 'application/geo+json',
  gpx: 'application/gpx+xml',
  csv: 'text/csv; charset=utf-8',
};

const xml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
const csvField = (value: unknown) => {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A leading = + - @ would be a formula in a spreadsheet: quoted and prefixed, as OWASP advises.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const CSV_COLUMNS = ['timestamp', 'lat', 'lon', 'speed', 'heading', 'altitude', 'accuracy', 'filtered', 'attributes'] as const;

/** The document for these fixes, in pieces (header, one per fix, footer), so it is written as it is made. */
export function* exportDocument(format: ExportFormat, vehicleId: string, fixes: readonly Position[]): Generator<string> {
  const time = (fix: Position) => new Date(fix.ts).toISOString();
  if (format === 'csv') {
    yield `${CSV_COLUMNS.join(',')}\n`;
    for (const fix of fixes) {
      yield `${[time(fix), fix.lat, fix.lon, fix.speed, fix.heading, fix.altitude, fix.accuracy, fix.filtered, fix.attributes].map(csvField).join(',')}\n`;
    }
    return;
  }
  if (format === 'gpx') {
    yield `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="vehicle-tracking" xmlns="http://www.topografix.com/GPX/1/1">\n<trk><name>${xml(vehicleId)}</name><trkseg>\n`;
    for (const fix of fixes) {
      const ele = fix.altitude === undefined ? '' : `<ele>${fix.altitude}</ele>`;
      yield `<trkpt lat="${fix.lat}" lon="${fix.lon}">${ele}<time>${time(fix)}</time></trkpt>\n`;
    }
    yield '</trkseg></trk>\n</gpx>\n';
    return;
  }
  // GeoJSON: the track as one LineString (a Point when there is one fix), times and speeds alongside.
  const geometry = fixes.length === 1 ? 'Point' : 'LineString';
  yield `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"vehicleId":${JSON.stringify(vehicleId)},"times":[`;
  yield fixes.map((fix) => JSON.stringify(time(fix))).join(',');
  yield `],"speeds":[${fixes.map((fix) => (fix.speed === undefined ? 'null' : fix.speed)).join(',')}]},"geometry":`;
  if (fixes.length === 0) yield 'null';
  else if (geometry === 'Point') yield `{"type":"Point","coordinates":[${fixes[0].lon},${fixes[0].lat}]}`;
  else {
    yield '{"type":"LineString","coordinates":[';
    for (let i = 0; i < fixes.length; i += 1000) yield fixes.slice(i, i + 1000).map((fix) => `[${fix.lon},${fix.lat}]`).join(',') + (i + 1000 < fixes.length ? ',' : '');
    yield ']}';
  }
  yield '}]}\n';
}
