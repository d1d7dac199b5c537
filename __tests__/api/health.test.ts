import { sharedRedisUrl } from '../helpers/redis';
import { TestApp, startTestApp } from '../helpers/test-app';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ redisUrl: await sharedRedisUrl(), apiKeys: ['secret-key'] });
  });
  afterAll(() => t.close());

  test('GET /health answers 200 without an API key', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', environment: t.config.environment });
  });

  test('GET /health/ready reports DynamoDB and Redis up, with timings', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ready');
    expect(body.dynamodb).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(body.cache).toEqual({ status: 'up', latencyMs: expect.any(Number) });
  });

  test('every response carries a request id, the client\'s when it sent a sane one', async () => {
    const own = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-123' } });
    expect(own.headers['x-request-id']).toBe('trace-123');
    const generated = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /health/ready without a reachable database', () => {
  test('is 503 naming DynamoDB down', async () => {
    const t = await startTestApp({ dynamodbEndpoint: async () => 'http://127.0.0.1:9' });
    try {
      const response = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ status: 'unavailable', dynamodb: { status: 'down' }, cache: { status: 'disabled' } });
    } finally {
      await t.close();
    }
  });
});
