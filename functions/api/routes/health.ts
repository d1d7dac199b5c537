import type { FastifyPluginAsync } from 'fastify';

/** `GET /health`: shallow liveness for the runbook's "API Health Check"; never touches a dependency. */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the API process answers',
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['ok'] }, environment: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ status: 'ok', environment: app.appConfig.environment }),
  );
};
