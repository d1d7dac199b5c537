import * as path from 'path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { bundledDocsUiDir } from '../openapi/docs-ui-files';
import { exampleShiftDays, withCurrentExampleTimes } from '../openapi/example-times';
import { pageCsp } from '../plugins/security-headers';
export const DOCS_PREFIX = '/docs';

/**
 * What the docs page may load: Swagger UI's own scripts and styles, its logo (a data: URL), and the
 * API itself for "Try it out". Nothing from another host: it works offline.
 */
export const DOCS_CSP = pageCsp([
  "script-src 'self'",
  // …and the one short-lived <style> element Swagger UI's bundle writes (fixed text, so a hash; the
  // browser test names the new hash should an upgrade change it).
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "connect-src 'self'",
]);

/** A favicon as text (an SVG): API Gateway passes text bodies through without binary media types. */
const FAVICON = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2a9d8f"/><circle cx="8" cy="8" r="3" fill="#fff"/></svg>',
);

/**
 * `/docs`: Swagger UI (@fastify/swagger-ui) over the OpenAPI document generated from the route
 * schemas at build time (`npm run openapi`; a test keeps it current), which @fastify/swagger serves
 * as a static specification. `/docs/json` and `/docs/yaml` are that document.
 *
 * Every route here is public, as in API Gateway (`/docs`, `/docs/{proxy+}` need no key). Asset URLs
 * are relative, so the page works under a stage prefix (`/prod/docs`) and locally alike; "Try it
 * out" calls the API the page came from (the `..` server, relative to `/docs/json`).
 *
 * The two plugins live in their own small Fastify instance, loaded and built on the first request
 * for /docs: a Lambda container that never serves the docs never pays for them at cold start
 * (`npm run bench -- cold`).
 */
export const docsRoutes: FastifyPluginAsync = async (app) => {
  let docsApp: Promise<FastifyInstance> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const ui = await (docsApp ??= buildDocsApp().catch((error: Error) => {
      docsApp = undefined; // the next request tries again
      throw error;
    }));
    const conditional = Object.fromEntries(CONDITIONAL_HEADERS.flatMap((header) => (request.headers[header] ? [[header, request.headers[header]!]] : [])));
    // Static files need no query string; Swagger UI's own index.html redirect would loop on one.
    const url = request.url.startsWith(`${DOCS_PREFIX}/static/`) ? request.url.split('?')[0] : request.url;
    const answer = await ui.inject({ method: 'GET', url, headers: conditional });
    for (const header of FORWARDED_HEADERS) if (answer.headers[header] !== undefined) reply.header(header, answer.headers[header]);
    // Swagger UI redirects to absolute paths (/docs/): relative, they keep the stage prefix.
    const location = answer.headers.location;
    if (typeof location === 'string' && location.startsWith('/')) reply.header('location', relativeTo(request.url, location));
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
  for (const url of [DOCS_PREFIX, `${DOCS_PREFIX}/`, `${DOCS_PREFIX}/*`]) app.get(url, { config: { public: true }, schema: { hide: true } }, forward);
};

/** `to` (an absolute path) as seen from the page at `from`: `../` from /docs/static/index.html to /docs/. */
export function relativeTo(from: string, to: string): string {
  const base = path.posix.dirname(`${from.split('?')[0]}x`);
  const relative = path.posix.relative(base, to) || '.';
  return to.endsWith('/') && !relative.endsWith('/') ? `${relative}/` : relative;
}

/** What a request passes on: a reload of Swagger UI's 1.5 MB script is a 304. */
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since'] as const;
/** What the docs instance's answers carry over (its content-length and connection are this reply's own). */
const FORWARDED_HEADERS = ['content-type', 'content-security-policy', 'etag', 'last-modified', 'cache-control', 'location'];

let served: { days: number; document: object } | undefined;
function servedDocument(spec: object, now: number): object {
  const days = exampleShiftDays(now);
  if (served?.days !== days) {
    const withServer = { ...spec, servers: [{ url: '..', description: 'This API (where these docs are served)' }] };
    served = { days, document: JSON.parse(withCurrentExampleTimes(JSON.stringify(withServer), now)) as object };
  }
  return served.document;
}

async function buildDocsApp(): Promise<FastifyInstance> {
  const [{ default: fastify }, { default: swagger }, { default: swaggerUi }, { default: document }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
    // The 200 KB document too: built into an object on the first /docs request, not at cold start.
    import('../openapi/openapi.json'),
  ]);
  const ui = fastify({ logger: false });
  try {
    await registerDocs(ui, swagger, swaggerUi, document);
  } catch (error) {
    await ui.close().catch(() => undefined);
    throw error;
  }
  return ui;
}

async function registerDocs(
  ui: FastifyInstance,
  swagger: typeof import('@fastify/swagger').default,
  swaggerUi: typeof import('@fastify/swagger-ui').default,
  document: object,
): Promise<void> {
  await ui.register(swagger, { mode: 'static', specification: { document: document as unknown as OpenAPIV3.Document } });
  const bundled = bundledDocsUiDir();
  await ui.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // `./docs/static/…` from /docs, `./static/…` from /docs/: relative both ways.
    indexPrefix: '.',
    // In Lambda the files are in the zip; elsewhere the plugin finds its own.
    ...(bundled && { baseDir: bundled }),
    staticCSP: DOCS_CSP,
    // Its own logo, not the plugin's file (read from beside the plugin, which the Lambda bundle is not).
    logo: { type: 'image/svg+xml', content: FAVICON },
    theme: {
      title: 'Vehicle Tracking API',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: FAVICON }],
    },
    uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, tryItOutEnabled: false, displayRequestDuration: true },
    validatorUrl: false,
    // The server added and the example times moved to today (see example-times.ts): once a day,
    // not per request; the 200 KB document itself is never changed.
    transformSpecificationClone: false,
    transformSpecification: (spec) => servedDocument(spec as object, Date.now()),
  });
  await ui.ready();
}
