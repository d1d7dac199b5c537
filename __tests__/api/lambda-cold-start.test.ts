import Redis from 'ioredis';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { TcpProxy } from '../../functions/local/faults/tcp-proxy';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { lambdaEnvironment } from '../helpers/lambda-env';
import { ThrowawayRedis } from '../helpers/redis';
import { createVehicle, startTestApp } from '../helpers/test-app';

/**
 * A cold start does not wait for Redis: the first requests are answered from DynamoDB while it
 * connects, and a write in that window still reaches the cache (no "missed write" that would send
 * every container's first write to DynamoDB reads and rebuild the geo index).
 */
describe('Lambda cold start with a slow Redis link', () => {
  const REPLY_DELAY_MS = 300;
  let dynamo: LocalDynamo;
  let redis: ThrowawayRedis;
  let link: TcpProxy;
  let client: Redis;
  let lambda: typeof import('../../functions/api/lambda');
  const environment = `cold${Date.now().toString(36)}`;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    redis = await ThrowawayRedis.start();
    link = await TcpProxy.start(redis.port);
    link.replyDelayMs = REPLY_DELAY_MS; // connecting (ready check, clock check) takes several replies
    client = new Redis(redis.url);
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint), { REDIS_URL: link.url, API_KEYS: 'cold-key' });
  });
  afterAll(async () => {
    await (await lambda.container()).close();
    client.disconnect();
    await link.cut();
    await redis.stop();
    await dynamo.close();
  });

  const call = (input: Omit<Parameters<typeof restApiEvent>[0], 'stage'>) =>
    lambda.handler(restApiEvent({ ...input, stage: 'test-70v', headers: { 'x-api-key': 'cold-key', ...input.headers } }), lambdaContext());

  test('the first /health answers before Redis is connected; a write meanwhile still reaches the cache', async () => {
    lambda = await import('../../functions/api/lambda'); // starts the container's init
    const started = performance.now();
    const health = await lambda.handler(restApiEvent({ method: 'GET', path: '/health', stage: 'test-70v' }), lambdaContext());
    const healthMs = performance.now() - started;
    expect(health.statusCode).toBe(200);
    expect(healthMs).toBeLessThan(REPLY_DELAY_MS); // Redis cannot have answered even once

    expect((await call({ method: 'POST', path: '/vehicles', body: { id: 'cold-1', name: 'Cold van' } })).statusCode).toBe(201);
    const timestamp = new Date(Date.now() - 60_000).toISOString();
    expect((await call({ method: 'POST', path: '/vehicles/cold-1/positions', body: { lat: 52.2, lon: 5.2, timestamp } })).statusCode).toBe(200);
    expect(await client.hget(`vt:${environment}:latest:cold-1`, 'position')).toContain('"lat":52.2');

    link.replyDelayMs = 0;
    const read = await call({ method: 'GET', path: '/vehicles/cold-1/position' });
    expect({ cache: read.headers?.['x-cache'], lat: JSON.parse(read.body).lat }).toEqual({ cache: 'hit', lat: 52.2 });
  });
});

describe('a container started while Redis is frozen', () => {
  test('does not make every write wait for it once its start-up wait is spent', async () => {
    const redis = await ThrowawayRedis.start();
    redis.freeze(); // accepts connections, never answers
    const t = await startTestApp({ redisUrl: redis.url }); // gives up waiting for it after 2 s
    try {
      const { id } = await createVehicle(t.app);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const response = await t.app.inject({ method: 'POST', url: `/vehicles/${id}/positions`, payload: { lat: 1, lon: 2, timestamp: Date.now() - (10 - i) * 1000 } });
        times.push(performance.now() - started);
        expect(response.statusCode).toBe(200);
      }
      expect(times.every((ms) => ms < 500)).toBe(true);
    } finally {
      await t.close();
      redis.thaw();
      await redis.stop();
    }
  });
});
