import { buildApp } from '../../functions/api/app';
import { restApiEvent, lambdaContext } from '../helpers/api-gateway-event';

describe('GET /health', () => {
  test('answers 200 through inject', async () => {
    const app = buildApp({ config: { environment: 'test-70v' } });
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', environment: 'test-70v' });
    await app.close();
  });

  test('answers 200 through the Lambda handler given an API Gateway REST proxy event', async () => {
    process.env.ENVIRONMENT = 'test-70v';
    process.env.LOG_LEVEL = 'silent';
    const { handler } = await import('../../functions/api/lambda');
    const response = await handler(restApiEvent({ method: 'GET', path: '/health', stage: 'test-70v' }), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok', environment: 'test-70v' });
  });
});
