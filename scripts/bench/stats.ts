/** Repeated measurements summarized as min / median / max; ratios use medians from the same run. */
export interface Summary {
  readonly runs: number[];
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(runs: readonly number[]): Summary {
  if (runs.length === 0) throw new Error('no runs to summarize');
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runs: [...runs], min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** The p-th percentile (0..100) of samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const nowMs = () => performance.now();

/**
 * Runs `ours` and `baseline` `times` times, alternating, so drift (GC, a busy neighbour, dynalite's
 * growing tables) falls on both sides alike.
 */
export async function interleaved(
  times: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: number[]; baseline: number[] }> {
  const result = { ours: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < times; i++) {
    // Swap who goes first each round: whoever runs second may meet a warmer (or dirtier) machine.
    if (i % 2 === 0) {
      result.ours.push(await ours());
      result.baseline.push(await baseline());
    } else {
      result.baseline.push(await baseline());
      result.ours.push(await ours());
    }
  }
  return result;
}

/** Calls `op` back to back for `ms`, `concurrency` at a time; returns completed operations per second. */
export async function throughput(ms: number, concurrency: number, op: (worker: number) => Promise<void>): Promise<number> {
  let done = 0;
  const started = nowMs();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (nowMs() < deadline) {
        await op(worker);
        done++;
      }
    }),
  );
  return done / ((nowMs() - started) / 1000);
}
