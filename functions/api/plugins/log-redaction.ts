import type { FastifyRequest } from 'fastify';

/**
 * Query parameters that are credentials: a tracker's device id is its only secret (OsmAnd puts it in
 * the URL), and some clients put keys there too. Their values never reach a log line.
 */
const SECRET_QUERY_PARAMETERS = new Set(['id', 'deviceid', 'device_id', 'key', 'api_key', 'apikey', 'x-api-key', 'token']);

export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const redacted = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0];
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is logged as sent
      }
      return SECRET_QUERY_PARAMETERS.has(decoded.toLowerCase()) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, query)}?${redacted}`;
}

/** Fastify's request serializer, with secret query parameters redacted. */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}
