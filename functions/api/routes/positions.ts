import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../domain/errors';
import { toPositionView } from '../domain/position';
import { MAX_FUTURE_KEPT_MS, MAX_FUTURE_SKEW_MS, parseQueryTimestamp } from '../domain/timestamps';
import { cursorQuerySchema, problemRef } from '../schemas/common';
import {
  MAX_POSITIONS_PER_REQUEST,
  ingestResultSchema,
  positionInputSchema,
  positionViewSchema,
  vehiclePositionInputSchema,
} from '../schemas/position';
import { vehicleIdParamsSchema } from '../schemas/vehicle';
import { CursorKey, decodeCursor, encodeCursor } from '../services/cursor';
import type { IngestItem, PositionInput } from '../services/ingest';
import { latestEntryOf } from '../services/position-cache';
import { sendIngestResult } from '../plugins/problems';

const HISTORY_MAX_LIMIT = 1000;

const historyQuerySchema = {
  type: 'object',
  properties: {
    from: { type: 'string', description: 'Start of the range, inclusive: ISO-8601 or epoch ms (default: the retention start)' },
    to: { type: 'string', description: 'End of the range, inclusive: ISO-8601 or epoch ms (default: now + 5 min)' },
    limit: { type: 'integer', minimum: 1, maximum: HISTORY_MAX_LIMIT, default: 100 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
    include: {
      type: 'string',
      enum: ['filtered'],
      description: 'filtered: also the fixes stored as implausible, each with its reason (default to: a year ahead, as a device clock ahead of ours stamps them in the future)',
    },
    cursor: cursorQuerySchema,
  },
  additionalProperties: false,
} as const;

const ingestResponses = {
  200: ingestResultSchema,
  400: problemRef,
  404: problemRef,
  413: problemRef,
  415: problemRef,
  422: problemRef,
  503: problemRef,
};

export const positionRoutes: FastifyPluginAsync = async (app) => {
  const { ingest, vehicles, positions, cache } = app.services;
  const retentionMs = app.appConfig.positionRetentionDays * 24 * 60 * 60 * 1000;

  app.post<{ Params: { id: string }; Body: PositionInput | PositionInput[] }>(
    '/vehicles/:id/positions',
    {
      schema: {
        tags: ['positions'],
        summary: `Report one position or an array of up to ${MAX_POSITIONS_PER_REQUEST} for this vehicle`,
        description:
          'Idempotent by (vehicle, timestamp); any order. 200 means every position is stored. ' +
          'Invalid input rejects the whole request and stores nothing.',
        params: vehicleIdParamsSchema,
        body: {
          anyOf: [positionInputSchema, { type: 'array', minItems: 1, maxItems: MAX_POSITIONS_PER_REQUEST, items: positionInputSchema }],
        },
        response: ingestResponses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const items: IngestItem[] = Array.isArray(body)
        ? body.map((input, i) => ({ vehicleId: request.params.id, input, field: `positions[${i}]` }))
        : [{ vehicleId: request.params.id, input: body, field: '' }];
      return sendIngestResult(request, reply, await ingest.ingest(items));
    },
  );

  app.post<{ Body: (PositionInput & { vehicleId: string })[] }>(
    '/positions',
    {
      schema: {
        tags: ['positions'],
        summary: `Report a batch of up to ${MAX_POSITIONS_PER_REQUEST} positions across vehicles`,
        description: 'Each entry names its vehicleId. Same guarantees as POST /vehicles/{id}/positions.',
        body: { type: 'array', minItems: 1, maxItems: MAX_POSITIONS_PER_REQUEST, items: vehiclePositionInputSchema },
        response: ingestResponses,
      },
    },
    async (request, reply) => {
      const items: IngestItem[] = request.body.map(({ vehicleId, ...input }, i) => ({
        vehicleId,
        input,
        field: `positions[${i}]`,
      }));
      return sendIngestResult(request, reply, await ingest.ingest(items));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/vehicles/:id/position',
    {
      schema: {
        tags: ['positions'],
        summary: 'The latest position (greatest timestamp), served from Redis when it has it',
        params: vehicleIdParamsSchema,
        response: { 200: positionViewSchema, 404: problemRef },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const cached = await cache.getLatest(id);
      reply.header('x-cache', cached.status);
      if (cached.status === 'hit') return toPositionView(cached.position);
      const vehicle = await vehicles.get(id);
      if (!vehicle) throw ApiError.notFound(`Vehicle ${id} does not exist`);
      if (!vehicle.latest) throw ApiError.notFound(`Vehicle ${id} has not reported a position yet`);
      if (cached.status === 'miss') await cache.offerLatest([latestEntryOf(vehicle)!], 'read');
      return toPositionView(vehicle.latest);
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: { from?: string; to?: string; limit: number; order: 'asc' | 'desc'; include?: 'filtered'; cursor?: string };
  }>(
    '/vehicles/:id/positions',
    {
      schema: {
        tags: ['positions'],
        summary: 'Position history in time order, paginated',
        params: vehicleIdParamsSchema,
        querystring: historyQuerySchema,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: { items: { type: 'array', items: positionViewSchema }, nextCursor: { type: ['string', 'null'] } },
          },
          400: problemRef,
          404: problemRef,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, order, include, cursor } = request.query;
      const withFiltered = include === 'filtered';
      const now = Date.now();
      const from = parseQueryTimestamp(request.query.from, 'from') ?? now - retentionMs;
      const to = parseQueryTimestamp(request.query.to, 'to') ?? now + (withFiltered ? MAX_FUTURE_KEPT_MS : MAX_FUTURE_SKEW_MS);
      if (from > to) throw ApiError.badRequest('from must not be after to', [{ field: 'from', message: 'must not be after to' }]);
      const scope = `history|${id}|${request.query.from ?? ''}|${request.query.to ?? ''}|${order}|${include ?? ''}`;
      const fits = (key: CursorKey) => key.vehicleId === id && Number(key.ts) >= from && Number(key.ts) <= to;
      const after = cursor ? (decodeCursor(cursor, scope, { vehicleId: 'S', ts: 'N' }, fits).ts as number) : undefined;

      const vehicle = await vehicles.get(id);
      if (!vehicle) throw ApiError.notFound(`Vehicle ${id} does not exist`);
      const page = await positions.history({ vehicleId: id, from, to, limit, order, after, receivedSince: vehicle.createdAt, now, withFiltered });
      return {
        items: page.positions.map(toPositionView),
        nextCursor: page.next === undefined ? null : encodeCursor(scope, { vehicleId: id, ts: page.next }),
      };
    },
  );
};
