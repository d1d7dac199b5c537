import { POSITION_FILTER_DEFAULTS, POSITION_FILTER_KEYS, POSITION_FILTER_SPEC, TRACKER_DEFAULTS } from '../../config/trackers';
import { FILTER_REASONS } from '../../functions/api/domain/position';
import { readHelpFiles } from './markdown';

/** help/TRACKERS.md against config/trackers.ts and the filter reasons the API stores: each failure names what to fix. */
const doc = readHelpFiles().find((f) => f.name === 'TRACKERS.md')!;
const rowOf = (name: string) => doc.lines.find((line) => line.startsWith(`| \`${name}\` |`));

describe('help/TRACKERS.md', () => {
  test.each(POSITION_FILTER_KEYS)('documents %s with its default and range', (key) => {
    const row = rowOf(key);
    expect(row).toBeDefined();
    const spec = POSITION_FILTER_SPEC[key];
    const [, , defaultCell, rangeCell] = row!.split('|').map((cell) => cell.trim());
    expect(defaultCell.split(' ')[0]).toBe(String(POSITION_FILTER_DEFAULTS[key]));
    expect(rangeCell).toBe(spec.type === 'boolean' ? 'true / false' : `${spec.minimum}–${spec.maximum} ${spec.unit}`);
  });

  test.each([...FILTER_REASONS])('explains the filter reason %s', (reason) => {
    expect(rowOf(reason)).toBeDefined();
  });

  test('states the status defaults the code uses', () => {
    const text = doc.lines.join('\n');
    expect(text).toContain(`\`trackers.offlineAfterMinutes\` (default ${TRACKER_DEFAULTS.offlineAfterMinutes})`);
    expect(text).toContain(`\`trackers.nearbyMaxAgeMinutes\` (default ${TRACKER_DEFAULTS.nearbyMaxAgeMinutes})`);
  });
});
