import type { FastifyPluginAsync } from 'fastify';
import document from '../openapi/openapi.json';
import { escapeHtml } from '../domain/text';
import { PAGE_CSP, styleHash } from '../plugins/security-headers';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  nullable?: boolean;
  enum?: unknown[];
}

interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: string } }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/**
 * The fields of a body: an object's, or its items' when it may be an array (a batch); each once,
 * an object field's own fields after it (`positionFilter.minIntervalSeconds`).
 */
function bodyFields(schema: JsonSchema | undefined, prefix = ''): { name: string; required: boolean; schema: JsonSchema }[] {
  if (!schema) return [];
  const objects = [schema, ...(schema.anyOf ?? [])].flatMap((s) => (s.properties ? [s] : s.items?.properties ? [s.items] : []));
  const fields = new Map<string, { name: string; required: boolean; schema: JsonSchema }>();
  for (const object of objects) {
    for (const [name, field] of Object.entries(object.properties!)) {
      if (fields.has(`${prefix}${name}`)) continue;
      fields.set(`${prefix}${name}`, { name: `${prefix}${name}`, required: (object.required ?? []).includes(name), schema: field });
      if (field.type === 'object' && field.properties) for (const inner of bodyFields(field, `${prefix}${name}.`)) fields.set(inner.name, inner);
    }
  }
  return [...fields.values()];
}

/** `string or null`: OpenAPI 3.0 writes null as `nullable` (or an `enum: [null]` alternative). */
const typeOf = (schema: JsonSchema): string => {
  if (schema.enum?.length === 1 && schema.enum[0] === null) return 'null';
  const base = schema.type ? [schema.type].flat().join(' or ') : (schema.anyOf ?? []).map(typeOf).filter(Boolean).join(' or ');
  return schema.nullable ? `${base} or null` : base;
};


/** The page's one inline style, allowed by its hash (the CSP allows nothing else). */
const DOCS_STYLE =
  'body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}' +
  'section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}' +
  'code{background:#f4f4f4;padding:0 .2rem}';

type OpenApiDocument = { info: { title: string; version: string; description?: string }; paths: Record<string, Record<string, OpenApiOperation>> };

/**
 * `/docs/json`: the OpenAPI document generated from the route schemas at build time
 * (`npm run openapi`; a test keeps it current).
 * `/docs`: a readable page rendered from it on the server, with no assets to host or fetch,
 * so it works the same in Lambda and locally.
 */
export const docsRoutes: FastifyPluginAsync = async (app) => {
  let json: string | undefined;
  app.get('/docs/json', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json').send((json ??= JSON.stringify(document))),
  );

  // Typed into a browser with a trailing slash, the page is still found.
  app.get('/docs/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs', 301));

  app.get('/docs', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const spec = document as unknown as OpenApiDocument;
    const rows = Object.entries(spec.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''}) ${escapeHtml(p.description ?? p.schema?.type ?? '')}</li>`)
          .concat(
            bodyFields(op.requestBody?.content?.['application/json']?.schema).map(
              (f) => `<li><code>${escapeHtml(f.name)}</code> (body, ${escapeHtml(typeOf(f.schema))}${f.required ? ', required' : ''}) ${escapeHtml(f.schema.description ?? '')}</li>`,
            ),
          )
          .join('');
        return (
          `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>` +
          `<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}` +
          `${params ? `<ul>${params}</ul>` : ''}</section>`
        );
      }),
    );
    reply.type('text/html; charset=utf-8');
    reply.header('content-security-policy', `${PAGE_CSP}; style-src ${styleHash(DOCS_STYLE)}`);
    return (
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(spec.info.title)}</title>` +
      `<style>${DOCS_STYLE}</style></head><body>` +
      `<h1>${escapeHtml(spec.info.title)} <small>${escapeHtml(spec.info.version)}</small></h1>` +
      `<p>${escapeHtml(spec.info.description ?? '')}</p><p>Machine-readable: <a href="docs/json">OpenAPI JSON</a>.</p>` +
      `${rows.join('')}</body></html>`
    );
  });
};
