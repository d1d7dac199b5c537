import Fastify, { FastifyInstance } from 'fastify';

/** The one Redis command the latest-position baseline pays for. */
export interface HashReader {
  hget(key: string, field: string): Promise<string | null>;
}

/**
 * The floor under our API: Fastify with `GET /health`, and with a reader also the latest position as
 * one HGET of the key the API's cache uses. No schemas, auth, hooks or error documents.
 */
export function bareApp(reader?: HashReader, keyPrefix = ''): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  if (reader) {
    app.get<{ Params: { id: string } }>('/vehicles/:id/position', async (request, reply) => {
      const json = await reader.hget(`${keyPrefix}latest:${request.params.id}`, 'position');
      if (!json) return reply.code(404).send({ status: 404 });
      return reply.type('application/json').send(json);
    });
  }
  return app;
}
