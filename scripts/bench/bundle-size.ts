import type { BuiltBundle } from './bundle';
import type { Measurement } from './report';
import { summarize } from './stats';

/** What a cold start has to read and compile: bundle bytes, ours vs the bare one-route bundle. */
export function benchBundleSize(bundles: { ours: BuiltBundle & { zipBytes: number }; bare: BuiltBundle }): Measurement[] {
  const kib = (bytes: number) => summarize([bytes / 1024]);
  return [
    {
      group: 'bundle',
      path: 'Lambda bundle index.js size',
      unit: 'KiB',
      better: 'lower',
      ours: kib(bundles.ours.bytes),
      baseline: kib(bundles.bare.bytes),
      baselineIs: 'the one-route bare Fastify bundle, same esbuild options',
      note: `deployed zip ${Math.round(bundles.ours.zipBytes / 1024)} KiB; built in ${Math.round(bundles.ours.buildMs)} ms (bare: ${Math.round(bundles.bare.buildMs)} ms); a size, measured once`,
    },
  ];
}
