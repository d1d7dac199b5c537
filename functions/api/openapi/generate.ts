import swagger from '@fastify/swagger';
import pino from 'pino';
import { localApiConfig } from '../../local/api-config';
import { buildApp } from '../app';
import { createServices } from '../services';

/**
 * The OpenAPI document, generated from the route schemas by @fastify/swagger. Written to
 * openapi.json by `npm run openapi`, which the app serves: generating it is build-time work, so the
 * Lambda bundle carries neither the generator nor its YAML library (a test keeps the file current).
 */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = localApiConfig({ environment: 'openapi', dynamodbEndpoint: 'http://127.0.0.1:9' });
  const services = createServices(config, { log: pino({ level: 'silent' }) });
  const app = buildApp({
    config,
    services,
    describeRoutes: (root) =>
      root.register(swagger, {
        openapi: {
          info: {
            title: 'Vehicle Tracking API',
            version: '1.0.0',
            description:
              'Vehicles and their positions. Send x-api-key on every route but `/health`, `/health/ready`, `/docs` (and what is under it), `/map` and `/osmand` (trackers send their device id). ' +
              'Errors are RFC 9457 problem details naming the field.',
          },
          components: { securitySchemes: { apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
          security: [{ apiKey: [] }],
        },
      }),
  });
  try {
    await app.ready();
    return JSON.parse(JSON.stringify(app.swagger())) as Record<string, unknown>;
  } finally {
    await app.close();
    await services.close();
  }
}
