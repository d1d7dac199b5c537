import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { CORS_POLICY } from '../../../config/cors';

/**
 * CORS for browser dashboards on the origins the environment lists (none by default: then nothing
 * is added and a preflight is a 404). A preflight carries no credentials (browsers never send
 * x-api-key on it), so the key check lets it through; the requests that follow are checked as any.
 * In AWS, API Gateway routes OPTIONS here without a key (module.api_services), so one policy answers.
 */
export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.register(cors, {
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: [...CORS_POLICY.methods],
    allowedHeaders: [...CORS_POLICY.allowedHeaders],
    exposedHeaders: [...CORS_POLICY.exposedHeaders],
    maxAge: CORS_POLICY.maxAgeSeconds,
  });
}

/** A CORS preflight: answered before any key check. */
export const isPreflight = (method: string, headers: Record<string, unknown>) => method === 'OPTIONS' && typeof headers['access-control-request-method'] === 'string';
