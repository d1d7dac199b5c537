/**
 * What a browser on an allowed origin may do (ENVIRONMENTS[env].api.corsOrigins, CORS_ORIGINS
 * locally): the app's @fastify/cors and API Gateway's own error answers use these.
 */
export const CORS_POLICY = {
  methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
  allowedHeaders: ['content-type', 'x-api-key', 'x-request-id', 'if-none-match'],
  exposedHeaders: ['etag', 'link', 'location', 'retry-after', 'x-request-id'],
  /** Browsers cache a preflight this long (Chrome caps it at 2 hours). */
  maxAgeSeconds: 600,
} as const;

/** `https://fleet.example.com` or `http://localhost:5173`: a scheme, a host, maybe a port; nothing else. */
export function corsOriginProblem(origin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `"${origin}" is not an origin (e.g. https://fleet.example.com)`;
  }
  if (parsed.origin !== origin) return `"${origin}" must be exactly an origin: scheme, host and port, no path or trailing slash (${parsed.origin})`;
  if (parsed.protocol !== 'https:' && !['localhost', '127.0.0.1'].includes(parsed.hostname)) return `"${origin}" must be https (http only for localhost)`;
  return undefined;
}
