import { StorageUnavailableError } from '../domain/errors';

export const MAX_ATTEMPTS = 4;

/** 25, 50, 100 ms with full jitter: DynamoDB's advice for unprocessed batch items. */
export function backoffMs(attempt: number): number {
  return Math.random() * 25 * 2 ** attempt;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Repeats `attempt` until it reports done, at most MAX_ATTEMPTS times with backoff between;
 * still not done then is StorageUnavailableError.
 */
export async function withBackoff(attempt: () => Promise<boolean>): Promise<void> {
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    if (n > 0) await sleep(backoffMs(n));
    if (await attempt()) return;
  }
  throw new StorageUnavailableError(new Error(`still unprocessed after ${MAX_ATTEMPTS} attempts`));
}
