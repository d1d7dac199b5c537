import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { startTestDynamo } from '../helpers/dynamo';
import { lambdaContext, restApiEvent } from '../helpers/api-gateway-event';
import { lambdaEnvironment } from '../helpers/lambda-env';
import { sharedRedisUrl } from '../helpers/redis';

/** The deployed entry point, driven by API Gateway REST (payload 1.0) proxy events. */
describe('Lambda handler', () => {
  let dynamo: LocalDynamo;
  let lambda: typeof import('../../functions/api/lambda');
  let handler: typeof lambda.handler;
  const environment = `lambda${Date.now().toString(36)}`;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    Object.assign(process.env, await lambdaEnvironment(environment, dynamo.endpoint), {
      REDIS_URL: await sharedRedisUrl(),
      API_KEYS: 'key-one,key-two',
    });
    lambda = await import('../../functions/api/lambda');
    handler = lambda.handler;
  });
  afterAll(async () => {
    await (await lambda.container()).close();
    await dynamo.close();
  });

  const call = (input: Omit<Parameters<typeof restApiEvent>[0], 'stage'>) =>
    handler(restApiEvent({ ...input, stage: 'test-70v', headers: { 'x-api-key': 'key-two', ...input.headers } }), lambdaContext());

  test('GET /health answers 200 without a key', async () => {
    const response = await handler(restApiEvent({ method: 'GET', path: '/health', stage: 'test-70v' }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok', environment });
  });

  test('a poll that finds nothing new is a 304 with an empty body through API Gateway too', async () => {
    expect((await call({ method: 'POST', path: '/vehicles', body: { id: 'lambda-etag', name: 'Polled van', fleetId: 'polled' } })).statusCode).toBe(201);
    const first = await call({ method: 'GET', path: '/vehicles', query: { fleetId: 'polled' } });
    const etag = String(first.headers?.etag);
    expect(etag).toMatch(/^W\//);
    const again = await call({ method: 'GET', path: '/vehicles', query: { fleetId: 'polled' }, headers: { 'if-none-match': etag } });
    expect([again.statusCode, again.body]).toEqual([304, '']);
  });

  test('a write and a read round-trip through API Gateway events; the request id is API Gateway\'s', async () => {
    const created = await call({ method: 'POST', path: '/vehicles', body: { id: 'lambda-1', name: 'Lambda van' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers?.['x-request-id']).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef');

    const timestamp = new Date(Date.now() - 60_000).toISOString();
    const write = await call({ method: 'POST', path: '/vehicles/lambda-1/positions', body: [{ lat: 52.1, lon: 5.1, timestamp, speed: 30 }] });
    expect(write.statusCode).toBe(200);
    expect(JSON.parse(write.body)).toEqual({ stored: 1, duplicatesInRequest: 0 });

    const read = await call({ method: 'GET', path: '/vehicles/lambda-1/positions', query: { limit: '10', order: 'desc' } });
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body).items).toEqual([
      expect.objectContaining({ vehicleId: 'lambda-1', lat: 52.1, lon: 5.1, speed: 30, timestamp }),
    ]);
    const latest = await call({ method: 'GET', path: '/vehicles/lambda-1/position' });
    expect(JSON.parse(latest.body)).toMatchObject({ lat: 52.1, timestamp });
  });

  test('without a valid key the app itself answers 401 (deployments without the Gateway stay protected)', async () => {
    const response = await call({ method: 'GET', path: '/vehicles', headers: { 'x-api-key': 'wrong' } });
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ status: 401, detail: 'A valid x-api-key header is required' });
  });
});
