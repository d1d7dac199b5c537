import * as crypto from 'crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A read a client polls (a live map): answered with an ETag, and 304 when it has not changed. */
    etag?: boolean;
  }
}

/** A weak validator of the exact body: any change (a moved vehicle, a status turning offline) changes it. */
export const etagOf = (body: string | Buffer) => `W/"${crypto.createHash('sha1').update(body).digest('base64url')}"`;

/** Whether an If-None-Match header names this ETag (or `*`); weak comparison, as RFC 9110 asks for GET. */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/**
 * For routes with `config.etag`, from the app's one onSend hook: a 200 GET gets an ETag and
 * `cache-control: private, no-cache` (store, but ask each time); a request naming that ETag gets 304 with no
 * body, so a poll that finds nothing new costs the client a few bytes. Returns the payload to send.
 */
export function conditionalGet<P>(request: FastifyRequest, reply: FastifyReply, payload: P): P | '' {
  if (!reply.routeOptions.config?.etag || request.method !== 'GET' || reply.statusCode !== 200) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  // A route that knows its validator (a built asset) sets it; else the body is hashed.
  const given = reply.getHeader('etag');
  const etag = typeof given === 'string' ? given : etagOf(payload);
  reply.header('etag', etag);
  // private: keyed fleet data is for this client's cache, never a shared one.
  reply.header('cache-control', 'private, no-cache');
  if (!matches(request.headers['if-none-match'], etag)) return payload;
  reply.code(304);
  reply.removeHeader('content-length');
  return '';
}
