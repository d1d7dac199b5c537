import { parseQueryTimestamp } from '../../functions/api/domain/timestamps';

/** A dead letter's arrival times are to the second and come just after the write: widened so nothing of the window falls outside. */
export const WIDEN_BEFORE_MS = 60_000;
export const WIDEN_AFTER_MS = 5_000;

export function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/**
 * `<env> --since <time> --until <time>` of the replay commands (times ISO-8601 or epoch ms), or
 * undefined after printing the usage (exit code 2) when they are missing or reversed.
 */
export function windowArgs(args: readonly string[], usage: string): { name: string; since: number; until: number } | undefined {
  if (args.includes('--help')) {
    console.log(usage);
    return undefined;
  }
  const name = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const [since, until] = ['since', 'until'].map((field) => parseQueryTimestamp(option(args, field), field));
  if (!name || since === undefined || until === undefined || since > until) {
    console.error(usage);
    process.exitCode = 2;
    return undefined;
  }
  return { name, since, until };
}
