/**
 * `npm run bench [-- <name> …]`: what users meet, each against its baseline measured in the same
 * run, repeated (min / median / max). Prints one markdown table and writes the same results to
 * bench-results/. One file per measurement under scripts/bench/; `--help` lists them.
 */
import * as path from 'path';
import { BuiltBundle, baselineBundle, deployedBundle } from './bench/bundle';
import { benchBundleSize } from './bench/bundle-size';
import { benchCold } from './bench/cold-start';
import { benchDelivery } from './bench/delivery';
import { benchEvents } from './bench/events';
import { benchIngest } from './bench/ingest';
import { benchHot } from './bench/lambda-invoke';
import { benchLatency } from './bench/latency';
import { benchMap } from './bench/map';
import { benchNearby } from './bench/nearby';
import { Measurement, header, legend, table, writeJson } from './bench/report';
import { Stack, startStack } from './bench/stack';
import { benchSynth } from './bench/synth';

const REPO = path.resolve(__dirname, '..');

type Bundles = { ours: BuiltBundle & { zipBytes: number }; bare: BuiltBundle; bareRedis: BuiltBundle };
interface Needs {
  bundles: () => Bundles;
  stack: () => Promise<Stack>;
}

const MEASUREMENTS: Record<string, { what: string; run: (needs: Needs) => Promise<Measurement[]> | Measurement[] }> = {
  bundle: { what: 'Lambda bundle size vs a bare one-route Fastify bundle', run: (n) => benchBundleSize(n.bundles()) },
  cold: { what: 'cold start: fresh node process, require the bundle, first /health answer (ours vs bare bundle)', run: async (n) => benchCold(await n.stack(), n.bundles()) },
  hot: { what: 'hot Lambda invocations in-process: /health and latest position (ours vs bare bundles)', run: async (n) => benchHot(await n.stack(), n.bundles()) },
  delivery: { what: 'webhook deliveries/s (match, sign, POST, check) vs bare POSTs of the same bodies', run: async (n) => benchDelivery(await n.stack()) },
  events: { what: 'events function: fixes evaluated/s and p99 per fix with 100 geofences vs none', run: async (n) => benchEvents(await n.stack()) },
  ingest: { what: 'single and 500-position ingest over HTTP vs raw PutItem / BatchWriteItem to the same dynalite', run: async (n) => benchIngest(await n.stack()) },
  latency: { what: 'latest position p50/p99 over HTTP at 200/s and 500/s offered vs bare Fastify + HGET', run: async (n) => benchLatency(await n.stack()) },
  map: { what: 'live map: page weight vs MapLibre alone; first 50 markers vs the load event; idle poll bytes vs a full read', run: async (n) => benchMap(await n.stack()) },
  nearby: { what: 'nearby at 1k and 10k vehicles, Redis warm and fallback, vs raw GEOSEARCH', run: async (n) => benchNearby(await n.stack()) },
  synth: { what: 'npm run synth, all environments (target < 10 s)', run: () => benchSynth() },
};

function usage(): string {
  return [
    'npm run bench [-- <name> …]   (default: all)',
    ...Object.entries(MEASUREMENTS).map(([name, m]) => `  ${name.padEnd(8)} ${m.what}`),
    'ratio = how many times slower than the baseline, from the medians of the same run (1.0 = as fast).',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return void console.log(usage());
  const unknown = args.filter((name) => !(name in MEASUREMENTS));
  if (unknown.length) throw new Error(`Unknown measurement ${unknown.join(', ')}\n${usage()}`);
  const names = args.length ? Object.keys(MEASUREMENTS).filter((name) => args.includes(name)) : Object.keys(MEASUREMENTS);

  const date = new Date();
  const started = performance.now();
  const warnings: string[] = [];
  const failed: string[] = [];
  let bundles: Bundles | undefined;
  let stack: Promise<Stack> | undefined;
  const needs: Needs = {
    bundles: () => {
      if (!bundles) {
        // Baselines are built with the deployed bundle's own options (esbuildOptions).
        const ours = deployedBundle();
        bundles = { ours, bare: baselineBundle('bare-lambda.ts'), bareRedis: baselineBundle('bare-redis-lambda.ts') };
      }
      return bundles;
    },
    stack: () => (stack ??= startStack()),
  };

  const measurements: Measurement[] = [];
  try {
    for (const name of names) {
      const t = performance.now();
      process.stderr.write(`bench: ${name}…`);
      try {
        measurements.push(...(await MEASUREMENTS[name].run(needs)));
        process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        // One broken measurement (the API mid-edit, say) must not throw away the others' minutes.
        failed.push(`${name}: ${(error as Error).message}`);
        process.stderr.write(` FAILED\n${(error as Error).stack}\n`);
      }
    }
  } finally {
    if (stack) await (await stack).close();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(header(date));
  console.log('');
  console.log(table(measurements));
  console.log('');
  console.log(legend(measurements));
  for (const warning of warnings) console.log(`WARNING: ${warning}`);
  for (const failure of failed) console.log(`FAILED ${failure}`);
  const file = writeJson(path.join(REPO, 'bench-results'), date, totalSeconds, measurements, [...warnings, ...failed.map((f) => `FAILED ${f}`)]);
  console.log(`\n${names.join(', ')} in ${totalSeconds.toFixed(0)} s; results: ${path.relative(REPO, file)}`);
  if (failed.length) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
