import type { Socket } from 'net';
import type { FastifyInstance } from 'fastify';

/** Deeper JSON than this is refused before it is parsed (parsing 1 MB of `[` costs ~300 ms of CPU). */
export const MAX_JSON_DEPTH = 64;
/**
 * Wider arrays or objects than this are refused before parsing: no schema here accepts more (500
 * positions, 100 fields), and parsing 1 MB of numbers or 60,000 fields costs 25-50 ms for nothing.
 */
export const MAX_JSON_ELEMENTS = 5_000;

/** Methods without a body, which clients still send `content-type: application/json` with. */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

const clientError = (code: string, message: string) => Object.assign(new Error(message), { code, statusCode: 400 });

/**
 * Why JSON text is too deep or too wide to parse, or undefined. One linear pass over the characters,
 * stopping at the first excess; strings (and escapes in them) are skipped.
 */
export function jsonShapeProblem(text: string, maxDepth = MAX_JSON_DEPTH, maxElements = MAX_JSON_ELEMENTS): string | undefined {
  const elements = new Int32Array(maxDepth + 2);
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return `nests deeper than ${maxDepth} levels`;
      elements[depth] = 1;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44 && depth > 0 && ++elements[depth] > maxElements) return `has an array or object with more than ${maxElements} elements`;
  }
  return undefined;
}

/**
 * What happens at the edge of HTTP, the same in Lambda and the dev server:
 * - JSON bodies: a linear depth and width check before parsing; an empty body on a bodyless method is no body;
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
    const shape = jsonShapeProblem(text);
    if (shape) return done(clientError('VT_JSON_SHAPE', `JSON ${shape}`), undefined);
    parseJson(request, text, (error, value) => {
      // Valid JSON, refused for a key that would rewrite an object's prototype: say so.
      if (error && /"(__proto__|prototype)"\s*:/.test(text)) {
        return done(clientError('VT_JSON_SHAPE', 'JSON uses "__proto__" or "constructor.prototype" as a name, which cannot be stored'), undefined);
      }
      done(error, value);
    });
  });

  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    // @fastify/cors's catch-all preflight route: every path would seem to exist.
    if (route.url === '*' && route.method === 'OPTIONS') return;
    const source = route.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*');
    for (const method of ([] as string[]).concat(route.method)) routes.push({ pattern: new RegExp(`^${source}$`), method });
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

/** Node's HTTP parser errors, as the status a client can act on. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers (or the URL) are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request was not received in time'],
};

/**
 * Malformed HTTP, before any route runs (dev server; API Gateway answers it in AWS): an RFC 9457
 * problem document with the right status, not Node's bare text.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const [status, title, detail] = CLIENT_ERRORS[code] ?? [400, 'Bad Request', `Malformed HTTP request (${code || 'parse error'})`];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  // As Node does: answer only if no response is already under way on this socket, else just close it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (code === 'ECONNRESET' || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
