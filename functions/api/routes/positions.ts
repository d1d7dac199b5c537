import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../domain/errors';
import { Readable } from 'stream';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, ExportFormat, exportDocument } from '../domain/export-formats';
import { Position, toPositionView } from '../domain/position';
import { simplify } from '../domain/simplify';
import { MAX_FUTURE_KEPT_MS, MAX_FUTURE_SKEW_MS, clampToDates, parseQueryTimestamp } from '../domain/timestamps';
import { cursorQuerySchema, problemRef } from '../schemas/common';
import {
  BATCH_BODY_EXAMPLES,
  MAX_POSITIONS_PER_REQUEST,
  POSITION_BODY_EXAMPLES,
  ingestResultSchema,
  positionInputSchema,
  positionViewSchema,
  vehiclePositionInputSchema,
} from '../schemas/position';
import { vehicleIdParamsSchema } from '../schemas/vehicle';
import { CursorKey, decodeCursor, encodeCursor } from '../services/cursor';
import type { IngestItem, PositionInput } from '../services/ingest';
import type { HistoryPage } from '../services/position-store';
import { latestEntryOf } from '../services/position-cache';
import { sendIngestResult } from '../plugins/problems';

const HISTORY_MAX_LIMIT = 1000;
/** Fixes one export document reads at most (before simplification): a day at 1 Hz is two documents. */
export const EXPORT_PAGE_FIXES = 50_000;
/** history() calls one export document may make beyond one per 1,000 fixes (each reads at most 5 pages). */
const EXPORT_EXTRA_READS = 10;

/**
 * `<vehicle>-<first fix's day>` (`_<last fix's day>` when it differs): each document of a chain named
 * by what it holds; an empty one by the end of the range it was read from (`emptyAt`).
 */
function exportFileName(vehicleId: string, fixes: readonly Position[], emptyAt: number): string {
  const day = (ms: number) => new Date(ms).toISOString().split('T')[0]; // also +275760-09-13
  const [first, last] = fixes.length ? [day(fixes[0].ts), day(fixes[fixes.length - 1].ts)] : [day(emptyAt), day(emptyAt)];
  return `${vehicleId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${first}${last === first ? '' : `_${last}`}`;
}

const historyQuerySchema = {
  type: 'object',
  properties: {
    from: { type: 'string', description: 'Start of the range, inclusive: ISO-8601 or epoch ms (default: the retention start)' },
    to: { type: 'string', description: 'End of the range, inclusive: ISO-8601 or epoch ms (default: now + 5 min)' },
    limit: { type: 'integer', minimum: 1, maximum: EXPORT_PAGE_FIXES, description: `Positions per page: 1-${HISTORY_MAX_LIMIT}, default 100; for an export, fixes per document: up to ${EXPORT_PAGE_FIXES}, the default` },
    order: {
      type: 'string',
      enum: ['asc', 'desc'],
      default: 'asc',
      description: 'asc: oldest first (default); desc: newest first. For an export, which end of the range a document takes: desc, its newest fixes (still written in time order), and its Link continues with older ones',
    },
    include: {
      type: 'string',
      enum: ['filtered'],
      description: 'filtered: also the fixes stored as implausible, each with its reason (default to: a year ahead, as a device clock ahead of ours stamps them in the future)',
    },
    cursor: cursorQuerySchema,
    format: {
      type: 'string',
      enum: ['json', ...EXPORT_FORMATS],
      default: 'json',
      description: 'geojson, gpx or csv: a complete document of the range\'s fixes in time order, up to limit of them; a Link header (rel=next) continues it',
    },
    simplify: {
      type: 'number',
      minimum: 1,
      maximum: 10_000,
      description: 'Metres (geojson, gpx, csv only): Douglas–Peucker; every fix left out lies within this distance of the exported line',
    },
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
          examples: POSITION_BODY_EXAMPLES,
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
        body: { type: 'array', minItems: 1, maxItems: MAX_POSITIONS_PER_REQUEST, items: vehiclePositionInputSchema, examples: BATCH_BODY_EXAMPLES },
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
    Querystring: { from?: string; to?: string; limit?: number; order: 'asc' | 'desc'; include?: 'filtered'; cursor?: string; format: 'json' | ExportFormat; simplify?: number };
  }>(
    '/vehicles/:id/positions',
    {
      config: { etag: true },
      schema: {
        tags: ['positions'],
        summary: 'Position history in time order, paginated; or exported as GeoJSON, GPX or CSV',
        params: vehicleIdParamsSchema,
        querystring: historyQuerySchema,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: { items: { type: 'array', items: positionViewSchema }, nextCursor: { type: ['string', 'null'], description: 'The next page\'s cursor; null on the last page' } },
          },
          400: problemRef,
          404: problemRef,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { order, include, cursor, format, simplify: tolerance } = request.query;
      if (format === 'json' && (request.query.limit ?? 0) > HISTORY_MAX_LIMIT) {
        throw ApiError.badRequest(`limit must be at most ${HISTORY_MAX_LIMIT} (more with format=geojson, gpx or csv)`, [{ field: 'limit', message: `must be <= ${HISTORY_MAX_LIMIT}` }]);
      }
      const limit = request.query.limit ?? (format === 'json' ? 100 : EXPORT_PAGE_FIXES);
      if (format === 'json' && tolerance !== undefined) throw ApiError.badRequest('simplify applies to format=geojson, gpx or csv', [{ field: 'simplify', message: 'needs format=geojson, gpx or csv' }]);
      const withFiltered = include === 'filtered';
      const now = Date.now();
      // Clamped to the dates that exist (as /events does): an export is named by a date.
      const from = clampToDates(parseQueryTimestamp(request.query.from, 'from') ?? now - retentionMs);
      const to = clampToDates(parseQueryTimestamp(request.query.to, 'to') ?? now + (withFiltered ? MAX_FUTURE_KEPT_MS : MAX_FUTURE_SKEW_MS));
      if (from > to && request.query.from === undefined) {
        throw ApiError.badRequest(`to must not be before the retention start (${new Date(from).toISOString()}), the default from`, [{ field: 'to', message: 'must not be before from (default: the retention start)' }]);
      }
      if (from > to) throw ApiError.badRequest('from must not be after to', [{ field: 'from', message: 'must not be after to' }]);
      const scope = `history|${id}|${request.query.from ?? ''}|${request.query.to ?? ''}|${order}|${include ?? ''}|${format}|${tolerance ?? ''}`;
      const fits = (key: CursorKey) => key.vehicleId === id && Number(key.ts) >= from && Number(key.ts) <= to;
      const after = cursor ? (decodeCursor(cursor, scope, { vehicleId: 'S', ts: 'N' }, fits).ts as number) : undefined;

      const vehicle = await vehicles.get(id);
      if (!vehicle) throw ApiError.notFound(`Vehicle ${id} does not exist`);
      const range = { vehicleId: id, from, to, order, receivedSince: vehicle.createdAt, now, withFiltered };
      /**
       * Whether a position follows the page: certain when history() read one past it; otherwise one
       * more look. Should that look fail, the page is still answered, with a cursor (at worst to an
       * empty page), not as a 503.
       */
      const continuesAfter = async (page: HistoryPage) =>
        page.next !== undefined && (page.more || (await positions.historyContinues({ ...range, after: page.next }).catch(() => true)));
      if (format !== 'json') {
        // One document: up to EXPORT_PAGE_FIXES fixes read 1000 at a time (from the range's newest with
        // order=desc), then written in time order piece by piece.
        // Bounded: past EXPORT_EXTRA_READS reads beyond the document's own (long runs of fixes that do
        // not count), the document ends short and its Link carries on.
        const fixes: Position[] = [];
        let page: HistoryPage = { positions: [], next: after, more: false };
        const maxReads = Math.ceil(limit / 1000) + EXPORT_EXTRA_READS;
        let reads = 0;
        do {
          page = await positions.history({ ...range, limit: Math.min(1000, limit - fixes.length), after: page.next });
          fixes.push(...page.positions);
        } while (page.next !== undefined && fixes.length < limit && ++reads < maxReads);
        // A range of exactly `limit` fixes is one document, with no Link to an empty one.
        const next = (await continuesAfter(page)) ? page.next : undefined;
        if (order === 'desc') fixes.reverse();
        const exported = tolerance === undefined ? fixes : simplify(fixes, tolerance);
        if (next !== undefined) {
          const query = new URLSearchParams(Object.entries({ ...request.query, cursor: encodeCursor(scope, { vehicleId: id, ts: next }) }).map(([k, v]) => [k, String(v)] as [string, string]));
          reply.header('link', `</vehicles/${encodeURIComponent(id)}/positions?${query}>; rel="next"`);
        }
        reply.header('content-disposition', `attachment; filename="${exportFileName(id, exported, order === 'desc' ? Math.min(to, now) : from)}.${format}"`);
        return reply.type(EXPORT_CONTENT_TYPES[format]).send(Readable.from(exportDocument(format, id, exported)));
      }
      const page = await positions.history({ ...range, limit, after });
      // A cursor only when a position follows (or, past 1,000 that do not count, may follow).
      return {
        items: page.positions.map(toPositionView),
        nextCursor: (await continuesAfter(page)) ? encodeCursor(scope, { vehicleId: id, ts: page.next! }) : null,
      };
    },
  );
};
