import type { FastifyInstance } from 'fastify';

/** Deeper JSON than this is refused before it is parsed (parsing 1 MB of `[` costs ~300 ms of CPU). */
export const MAX_JSON_DEPTH = 64;

/** Methods without a body, which clients still send `content-type: application/json` with. */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

const clientError = (code: string, message: string) => Object.assign(new Error(message), { code, statusCode: 400 });

/** The deepest nesting of objects and arrays in JSON text, stopping as soon as it passes `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * What happens at the edge of HTTP, the same in Lambda and the dev server:
 * - JSON bodies: a linear depth check before parsing; an empty body on a bodyless method is no body;
 * - only JSON bodies are accepted (`text/plain` is 415, not a string the schema then rejects);
 * - a path that exists for other methods is 405 with `Allow`, not 404;
 * - malformed HTTP is an RFC 9457 400 (dev server; API Gateway answers those itself in AWS).
 */
export function installHttpEdges(app: FastifyInstance): RouteIndex {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      if (BODYLESS.has(request.method)) return done(null, undefined);
      return done(clientError('FST_ERR_CTP_EMPTY_JSON_BODY', 'Body cannot be empty when content-type is set to application/json'), undefined);
    }
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return done(clientError('VT_JSON_TOO_DEEP', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    parseJson(request, text, done);
  });

  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    const source = route.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*');
    for (const method of ([] as string[]).concat(route.method)) routes.push({ pattern: new RegExp(`^${source}/?$`), method });
  });
  return {
    allowedMethods: (path) => [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))].sort(),
  };
}

/** The app's routes by path, for a 405's `Allow` header. */
export interface RouteIndex {
  /** Methods served at this concrete path; empty when the path does not exist. */
  allowedMethods(path: string): string[];
}
