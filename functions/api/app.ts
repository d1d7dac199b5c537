import Fastify, { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { ApiConfig } from './config';
import { healthRoutes } from './routes/health';

declare module 'fastify' {
  interface FastifyInstance {
    appConfig: ApiConfig;
  }
}

export interface BuildAppOptions {
  readonly config: ApiConfig;
  /** pino options or false; tests pass false. */
  readonly logger?: FastifyServerOptions['logger'];
}

/**
 * The whole HTTP API as one Fastify instance. The Lambda entry (lambda.ts) and the local dev
 * server (server.ts) both call this and nothing else, so they serve the same routes.
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.decorate('appConfig', options.config);
  app.register(healthRoutes);
  return app;
}
