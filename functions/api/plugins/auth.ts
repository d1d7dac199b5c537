import * as crypto from 'crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { RefreshingSecret } from '../secrets';
import { isPreflight } from './cors';
import { sendProblem } from './problems';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open without an API key (health checks, docs, device protocols with their own auth). */
    public?: boolean;
  }
}

/** Where the accepted API keys come from: a fixed list (local), or a secret that is re-read (AWS). */
export type ApiKeySource = readonly string[] | RefreshingSecret<readonly string[]>;

const digest = (value: string) => crypto.createHash('sha256').update(value).digest();

/** Digests of a key list, computed once per list read. */
class KeyDigests {
  private list?: readonly string[];
  private digests: Buffer[] = [];

  accepts(keys: readonly string[], candidate: Buffer): boolean {
    if (keys !== this.list) {
      this.list = keys;
      this.digests = keys.map(digest);
    }
    return this.digests.some((key) => crypto.timingSafeEqual(key, candidate));
  }
}

/**
 * `x-api-key` check whenever keys are configured. In AWS, API Gateway checks keys too; this keeps
 * the local server and any deployment without the Gateway protected the same way. Keys from a
 * secret are re-read every minute, and at once (rate-limited) when a request brings an unknown key,
 * so a key added by rotation works within seconds and a removed one stops within a minute.
 */
export function installApiKeyAuth(app: FastifyInstance, source: ApiKeySource): void {
  const fixed = Array.isArray(source) ? (source as readonly string[]) : undefined;
  if (fixed && fixed.length === 0) return;
  const secret = fixed ? undefined : (source as RefreshingSecret<readonly string[]>);
  const known = new KeyDigests();
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config?.public || isPreflight(request.method, request.headers)) return;
    const given = request.headers['x-api-key'];
    if (typeof given === 'string' && given.length > 0) {
      const candidate = digest(given);
      if (fixed) {
        if (known.accepts(fixed, candidate)) return;
      } else if (known.accepts(await secret!.get(), candidate) || known.accepts(await secret!.refresh(), candidate)) {
        return;
      }
    }
    return sendProblem(request, reply, 401, 'A valid x-api-key header is required');
  };
  // Registered as a plugin (not a bare hook), so it runs after the CORS plugin registered before it:
  // a 401 then still says which origin may read it, and a browser shows the 401, not a CORS error.
  app.register(
    fastifyPlugin(async (instance) => {
      instance.addHook('onRequest', check);
    }),
  );
}
