import * as crypto from 'crypto';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problems';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open without an API key (health checks, docs, device protocols with their own auth). */
    public?: boolean;
  }
}

const digest = (value: string) => crypto.createHash('sha256').update(value).digest();

/**
 * `x-api-key` check whenever keys are configured. In AWS, API Gateway checks keys too; this keeps
 * the local server and any deployment without the Gateway protected the same way.
 */
export function installApiKeyAuth(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const accepted = keys.map(digest);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    const given = request.headers['x-api-key'];
    if (typeof given === 'string' && given.length > 0) {
      const candidate = digest(given);
      if (accepted.some((key) => crypto.timingSafeEqual(key, candidate))) return;
    }
    return sendProblem(request, reply, 401, 'A valid x-api-key header is required');
  });
}
