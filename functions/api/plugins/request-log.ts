import type { FastifyInstance } from 'fastify';
import { redactUrl } from './log-redaction';

/**
 * One log line per request, when it is answered: the request id and Lambda request id (bound to
 * request.log), the route as declared and the URL with credentials redacted (a tracker's device id
 * is its only secret), the status and the time taken. Fastify's own two lines per request cost more than the rest of a hot
 * request together, and said less.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      url: redactUrl(request.url),
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
    done();
  });
}
