import type { FastifyPluginAsync } from 'fastify';
import { mapAssets } from '../map/assets';
import { mapCsp, mapPage } from '../map/page';

/**
 * `/map`: the live fleet map, served by the app itself (the dev server and a deployed stage alike).
 * Public like /docs: the page holds no data; its polls of the API carry the key (asked once in AWS,
 * kept in session storage). Script and stylesheet answer with an ETag (304 on a reload).
 */
export const mapRoutes: FastifyPluginAsync = async (app) => {
  const settings = app.appConfig.map;
  const csp = mapCsp(settings);
  const page = mapPage(settings);

  app.get('/map', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    // Tile servers (OpenStreetMap's among them) want to know which site asks: the origin, no path.
    reply.type('text/html; charset=utf-8').header('content-security-policy', csp).header('referrer-policy', 'strict-origin-when-cross-origin').send(page),
  );
  // With a trailing slash the page's relative URLs would point one level down.
  // Relative, so it stays under API Gateway's stage prefix (the app sees paths without it).
  app.get('/map/', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.redirect(`../map${query}`, 301);
  });
  app.get('/map/map.js', { config: { public: true, etag: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').header('etag', mapAssets().js.etag).send(mapAssets().js.body),
  );
  app.get('/map/map.css', { config: { public: true, etag: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('etag', mapAssets().css.etag).send(mapAssets().css.body),
  );
};
