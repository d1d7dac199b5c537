import { answersTcp } from '../../functions/local/tcp';
import { ThrowawayRedis } from '../../functions/local/faults/throwaway-redis';
import { freePort } from '../../functions/local/tcp';

export { ThrowawayRedis, freePort };

let shared: Promise<string> | undefined;

/**
 * The Redis the tests share: REDIS_URL, else 127.0.0.1:6379 when it answers, else a redis-server
 * started for this test file, else a clear error naming the fix. Tests isolate their keys by
 * environment name, so a shared server is never flushed.
 */
export function sharedRedisUrl(): Promise<string> {
  shared ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await answersTcp('127.0.0.1', 6379, 300)) return 'redis://127.0.0.1:6379';
    const own = await ThrowawayRedis.start();
    process.once('exit', () => void own.stop());
    afterAll(() => own.stop());
    return own.url;
  })();
  return shared;
}
