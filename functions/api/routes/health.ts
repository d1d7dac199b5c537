import type { FastifyPluginAsync } from 'fastify';

const dependency = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'down', 'degraded', 'disabled'] },
    latencyMs: { type: 'number' },
  },
  // Public: states only. The cause (host names, addresses, SDK messages) goes to the log.
  additionalProperties: false,
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'dynamodb', 'cache'],
  properties: { status: { type: 'string', enum: ['ready', 'degraded', 'unavailable'] }, dynamodb: dependency, cache: dependency },
} as const;

/** The runbook's "API Health Check" (`/health`) and a deep readiness check (`/health/ready`). */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the API process answers (no dependency is touched)',
        response: {
          200: {
            type: 'object',
            required: ['status', 'environment'],
            properties: { status: { type: 'string', enum: ['ok'] }, environment: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ status: 'ok', environment: app.appConfig.environment }),
  );

  app.get(
    '/health/ready',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: DynamoDB and Redis, with timings. 503 when DynamoDB is unreachable; Redis down is only degraded.',
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const [dynamodb, cache] = await Promise.all([
        Promise.all([app.services.vehicles.probe(), app.services.positions.probe()]).then(
          () => ({ status: 'up' as const, latencyMs: Math.round((performance.now() - started) * 10) / 10 }),
          (error: Error) => {
            request.log.warn({ err: error }, 'Readiness: DynamoDB is down');
            return { status: 'down' as const };
          },
        ),
        app.services.cache.health(),
      ]);
      if (cache.error) request.log.warn({ err: cache.error }, 'Readiness: Redis is degraded');
      const status = dynamodb.status === 'down' ? 'unavailable' : cache.status === 'degraded' ? 'degraded' : 'ready';
      const { error: _cause, ...cacheState } = cache;
      return reply.code(status === 'unavailable' ? 503 : 200).send({ status, dynamodb, cache: cacheState });
    },
  );
};
