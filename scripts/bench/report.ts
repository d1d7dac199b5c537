import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Summary } from './stats';

/** One row of the table: what users meet (ours) against the floor it runs on (baseline), same run. */
export interface Measurement {
  /** Which `npm run bench -- <name>` produced it. */
  readonly group: string;
  readonly path: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly ours: Summary;
  readonly baseline?: Summary;
  /** What the baseline is, in words. */
  readonly baselineIs?: string;
  readonly note?: string;
}

/** How many times slower than the baseline (1.0 = as fast), from the medians. */
export function slowdown(m: Measurement): number | undefined {
  if (!m.baseline) return undefined;
  return m.better === 'higher' ? m.baseline.median / m.ours.median : m.ours.median / m.baseline.median;
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const fmt = (value: number): string =>
  !Number.isFinite(value) ? String(value) : value >= 100 ? Math.round(value).toLocaleString('en-US') : value >= 10 ? value.toFixed(1) : value.toFixed(2);

const range = (s: Summary) => `${fmt(s.min)}–${fmt(s.max)}`;

export function header(date: Date): string {
  const m = machine();
  return `# ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${m.cores} × ${m.cpu}, ${m.ramGiB} GiB RAM, Node ${m.node}`;
}

export function table(measurements: readonly Measurement[]): string {
  const rows = measurements.map((m) => {
    const ratio = slowdown(m);
    const spread = `${range(m.ours)}${m.baseline ? ` / ${range(m.baseline)}` : ''} (n=${m.ours.runs.length})`;
    return `| ${m.path} | ${fmt(m.ours.median)} ${m.unit} | ${m.baseline ? `${fmt(m.baseline.median)} ${m.unit}` : '—'} | ${ratio === undefined ? '—' : `${ratio.toFixed(2)}×`} | ${spread} |`;
  });
  return [
    '| path | ours (median) | baseline (median) | ratio (× slower) | spread: min–max ours / baseline |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Baselines in words, once each, under the table. */
export function legend(measurements: readonly Measurement[]): string {
  const lines = new Set<string>();
  const shared = (group: string) => new Set(measurements.filter((m) => m.group === group).map((m) => m.baselineIs)).size === 1;
  for (const m of measurements) {
    // One line per group when its rows share a baseline, so the legend stays short.
    if (m.baselineIs) lines.add(`- ${shared(m.group) ? m.group : m.path}: baseline = ${m.baselineIs}`);
    if (m.note) lines.add(`- ${m.path}: ${m.note}`);
  }
  return [...lines].join('\n');
}

/** Writes the run beside the printed table; returns the file's path. */
export function writeJson(dir: string, date: Date, totalSeconds: number, measurements: readonly Measurement[], warnings: readonly string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${date.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  const body = {
    date: date.toISOString(),
    machine: machine(),
    totalSeconds,
    ratio: 'how many times slower than the baseline, from the medians (1.0 = as fast)',
    warnings,
    measurements: measurements.map((m) => ({ ...m, ratio: slowdown(m) })),
  };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
