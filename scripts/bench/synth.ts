import { execFileSync } from 'child_process';
import * as path from 'path';
import type { Measurement } from './report';
import { summarize } from './stats';

const REPO = path.resolve(__dirname, '..', '..');
const RUNS = 3;

/** `npm run synth` for every environment, wall time; no baseline, the target is < 10 s. */
export function benchSynth(): Measurement[] {
  const runs = Array.from({ length: RUNS }, () => {
    const started = performance.now();
    try {
      execFileSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'main.ts'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new Error(`npm run synth failed: ${String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
    }
    return (performance.now() - started) / 1000;
  });
  return [{ group: 'synth', path: 'synth, all environments (npm run synth, wall)', unit: 's', better: 'lower', ours: summarize(runs), note: 'no baseline; target < 10 s' }];
}
