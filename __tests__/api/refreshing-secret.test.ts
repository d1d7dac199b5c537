import { RefreshingSecret, SECRET_MIN_REFRESH_MS, SECRET_TTL_MS } from '../../functions/api/secrets';

/** The timing rules of secret refresh, on a controlled clock. */
describe('RefreshingSecret', () => {
  let now = 0;
  let value = 'v1';
  let reads = 0;
  let failing = false;
  const errors: string[] = [];
  const secret = new RefreshingSecret(
    async () => {
      reads += 1;
      if (failing) throw new Error('Secrets Manager unreachable');
      return value;
    },
    { now: () => now, onError: (e) => errors.push(e.message) },
  );

  test('concurrent first reads share one call', async () => {
    expect(await Promise.all([secret.get(), secret.get(), secret.get()])).toEqual(['v1', 'v1', 'v1']);
    expect(reads).toBe(1);
  });

  test('a rotated value is served once the TTL has passed, not before', async () => {
    value = 'v2';
    now += SECRET_TTL_MS - 1;
    expect(await secret.get()).toBe('v1');
    now += 1;
    expect(await secret.get()).toBe('v2');
  });

  test('forced refreshes are rate-limited', async () => {
    value = 'v3';
    const before = reads;
    expect(await secret.refresh()).toBe('v3');
    expect(await secret.refresh()).toBe('v3');
    value = 'v4';
    expect(await secret.refresh()).toBe('v3');
    expect(reads - before).toBe(1);
    now += SECRET_MIN_REFRESH_MS;
    expect(await secret.refresh()).toBe('v4');
  });

  test('a failed re-read keeps the last good value and retries after the minimum interval, not per request', async () => {
    failing = true;
    now += SECRET_TTL_MS;
    expect(await secret.get()).toBe('v4');
    const before = reads;
    expect(await secret.get()).toBe('v4');
    expect(reads).toBe(before);
    expect(errors).toEqual(['Secrets Manager unreachable']);
    failing = false;
    value = 'v5';
    now += SECRET_MIN_REFRESH_MS;
    expect(await secret.get()).toBe('v5');
  });

  test('a secret never read fails loudly', async () => {
    const broken = new RefreshingSecret(async () => {
      throw new Error('AccessDeniedException');
    });
    await expect(broken.get()).rejects.toThrow('AccessDeniedException');
  });
});
