/**
 * Rotation without a redeploy, through the Lambda entry as deployed: API keys and the Redis AUTH
 * token come from Secrets Manager by name and are re-read, so a running container follows a
 * rotation (the runbook's Suspected Breach steps) instead of answering 401 or losing its cache.
 */
import Redis from 'ioredis';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { lambdaEnvironment } from '../helpers/lambda-env';
import { ThrowawayRedis } from '../helpers/redis';
import { LocalSecretsManager } from '../helpers/secrets-manager';

const environment = `rotate${Date.now().toString(36)}`;
const SECRETS = { endpoint: `${environment}-redis-endpoint`, auth: `${environment}-redis-auth-token`, keys: `${environment}-api-keys` };

describe('secret rotation reaches a warm Lambda container', () => {
  let dynamo: LocalDynamo;
  let redis: ThrowawayRedis;
  let admin: Redis;
  let secrets: LocalSecretsManager;
  let lambda: typeof import('../../functions/api/lambda');

  beforeAll(async () => {
    [dynamo, redis, secrets] = await Promise.all([startTestDynamo(), ThrowawayRedis.start(), LocalSecretsManager.start()]);
    admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'default', 'on', 'resetpass', '>token-a');
    await admin.auth('token-a');
    secrets.put(SECRETS.endpoint, redis.url);
    secrets.put(SECRETS.auth, 'token-a');
    secrets.put(SECRETS.keys, JSON.stringify(['key-a']));
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint), {
      REDIS_ENDPOINT_SECRET_ID: SECRETS.endpoint,
      REDIS_AUTH_SECRET_ID: SECRETS.auth,
      API_KEYS_SECRET_ID: SECRETS.keys,
      SECRETS_MANAGER_ENDPOINT: secrets.endpoint,
    });
    delete process.env.REDIS_URL;
    delete process.env.API_KEYS;
    lambda = await import('../../functions/api/lambda');
  });
  afterAll(async () => {
    await (await lambda.container()).close();
    admin.disconnect();
    await Promise.all([dynamo.close(), redis.stop(), secrets.close()]);
  });

  const call = (path: string, key?: string) =>
    lambda.handler(restApiEvent({ method: 'GET', path, stage: 'test-70v', headers: key ? { 'x-api-key': key } : {} }), lambdaContext());
  const cacheStatus = async () => JSON.parse((await call('/health/ready')).body).cache.status as string;
  const eventually = async (check: () => Promise<boolean>, ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) if (await check()) return true;
    return check();
  };

  test('the endpoint and token come from the secrets: the cache is up with AUTH', async () => {
    expect(await eventually(async () => (await cacheStatus()) === 'up', 3000)).toBe(true);
  });

  test('a key added by rotation works on its first request; a flood of unknown keys reads the secret at most once', async () => {
    expect((await call('/vehicles', 'key-a')).statusCode).toBe(200);
    expect((await call('/vehicles', 'key-b')).statusCode).toBe(401);
    secrets.put(SECRETS.keys, JSON.stringify(['key-a', 'key-b']));
    // The 401 above spent this interval's forced re-read; wait it out as a client would retry.
    await new Promise((r) => setTimeout(r, 5_100));
    expect((await call('/vehicles', 'key-b')).statusCode).toBe(200);

    const before = secrets.readCount(SECRETS.keys);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => call('/vehicles', `forged-${i}`)));
    expect(answers.every((a) => a.statusCode === 401)).toBe(true);
    expect(secrets.readCount(SECRETS.keys) - before).toBeLessThanOrEqual(1);
  }, 15_000);

  test('in Terraform\'s order — new token stored before Redis accepts it, then ROTATE, then SET — every reconnect finds a token that works', async () => {
    // 1. terraform apply -replace of the secret version: the secret is ahead of Redis for minutes, and
    //    a container that starts now reads the new token first; Redis still only knows the old one.
    secrets.put(SECRETS.auth, 'token-b');
    await jest.isolateModulesAsync(async () => {
      const cold = await import('../../functions/api/lambda');
      const coldStatus = async () => JSON.parse((await cold.handler(restApiEvent({ method: 'GET', path: '/health/ready', stage: 'test-70v' }), lambdaContext())).body).cache.status;
      try {
        expect(await eventually(async () => (await coldStatus()) === 'up', 8000)).toBe(true); // with the previous token
      } finally {
        await (await cold.container()).close();
      }
    });
    // 2. ElastiCache's ROTATE completes: both tokens valid.
    await admin.call('ACL', 'SETUSER', 'default', '>token-b');
    // 3. SET: only the new token; every connection drops (failover, node replacement).
    await admin.call('ACL', 'SETUSER', 'default', 'resetpass', '>token-b');
    await admin.auth('token-b');
    const authReadsBefore = secrets.readCount(SECRETS.auth);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    expect(await eventually(async () => (await cacheStatus()) === 'up', 8000)).toBe(true);
    expect(secrets.readCount(SECRETS.auth)).toBeGreaterThan(authReadsBefore);
    expect((await call('/vehicles', 'key-a')).statusCode).toBe(200);
  }, 20_000);

  test('a cold start that cannot read the cache\'s secrets serves from DynamoDB instead of failing', async () => {
    const missing = `${environment}-no-such-secret`;
    const saved = process.env.REDIS_ENDPOINT_SECRET_ID;
    process.env.REDIS_ENDPOINT_SECRET_ID = missing;
    try {
      await jest.isolateModulesAsync(async () => {
        const cold = await import('../../functions/api/lambda');
        try {
          const health = await cold.handler(restApiEvent({ method: 'GET', path: '/health/ready', stage: 'test-70v' }), lambdaContext());
          expect(health.statusCode).toBe(200);
          expect(JSON.parse(health.body)).toMatchObject({ status: 'ready', cache: { status: 'disabled' } });
          const vehicles = await cold.handler(restApiEvent({ method: 'GET', path: '/vehicles', stage: 'test-70v', headers: { 'x-api-key': 'key-a' } }), lambdaContext());
          expect(vehicles.statusCode).toBe(200);
        } finally {
          await (await cold.container()).close();
        }
      });
    } finally {
      process.env.REDIS_ENDPOINT_SECRET_ID = saved;
    }
  });
});
