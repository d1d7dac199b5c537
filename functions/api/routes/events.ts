import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../domain/errors';
import { EventType, eventKeyRange } from '../domain/events';
import { MAX_FUTURE_KEPT_MS, parseQueryTimestamp } from '../domain/timestamps';
import { ID_PATTERN, cursorQuerySchema, problemRef } from '../schemas/common';
import { MAX_EVENTS_PER_PAGE, eventQuerySchema, eventViewSchema } from '../schemas/event';
import { vehicleIdParamsSchema } from '../schemas/vehicle';
import { CursorKey, decodeCursor, encodeCursor } from '../services/cursor';
import type { EventStore, StoredEvent } from '../services/event-store';
import { toEventView } from '../services/event-view';

const DAY_MS = 24 * 60 * 60 * 1000;
/** UTC days one page of the environment-wide log reads at most; the cursor continues from the next. */
const MAX_DAYS_PER_PAGE = 31;

interface EventsQuery {
  fleetId?: string;
  vehicleId?: string;
  type?: EventType;
  since?: string;
  until?: string;
  order: 'asc' | 'desc';
  limit: number;
  include?: 'retracted';
  cursor?: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What a page reads: its time range, resolved once (a cursor carries it: the defaults move with the clock). */
interface Range {
  readonly since: number;
  readonly until: number;
}

/**
 * The range asked for, within what can hold events (the retention back, a year ahead: device clocks),
 * so no request walks more UTC days than that. A cursor's own range wins over the defaults.
 */
function rangeOf(query: EventsQuery, now: number, retentionMs: number, fromCursor?: Range): Range {
  const asked = { since: parseQueryTimestamp(query.since, 'since'), until: parseQueryTimestamp(query.until, 'until') };
  const since = Math.max(asked.since ?? fromCursor?.since ?? now - DAY_MS, now - retentionMs - DAY_MS);
  const until = Math.min(asked.until ?? fromCursor?.until ?? now + 5 * 60_000, now + MAX_FUTURE_KEPT_MS);
  if ((asked.since ?? since) > (asked.until ?? until)) throw ApiError.badRequest('since must not be after until', [{ field: 'since', message: 'must not be after until' }]);
  return { since, until: Math.max(since, until) };
}

/** A cursor's range, if it has one (read before the cursor itself is checked). */
function cursorRange(cursor: string | undefined): Range | undefined {
  if (!cursor) return undefined;
  try {
    const { k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Number.isSafeInteger(k?.since) && Number.isSafeInteger(k?.until) ? { since: k.since, until: k.until } : undefined;
  } catch {
    return undefined; // decodeCursor refuses it below, naming the field
  }
}

/** One page of events: one vehicle's, one fleet's, or the environment's (UTC day by day). */
async function listEvents(store: EventStore, query: EventsQuery, now: number, retentionMs: number) {
  if (query.vehicleId && query.fleetId) {
    throw ApiError.badRequest('give vehicleId or fleetId, not both', [{ field: 'fleetId', message: 'must not be given with vehicleId' }]);
  }
  const { since, until } = rangeOf(query, now, retentionMs, cursorRange(query.cursor));
  const [fromKey, toKey] = eventKeyRange(since, until);
  // The range is in the cursor, not in its scope: a second page resolves the same range as the first.
  const scope = `events|${query.vehicleId ?? '*'}|${query.fleetId ?? '*'}|${query.type ?? '*'}|${query.since ?? ''}|${query.until ?? ''}|${query.order}|${query.include ?? ''}`;
  const withRange = (key: Record<string, string>) => encodeCursor(scope, { ...key, since, until });
  const common = { fromKey, toKey, order: query.order, type: query.type, withRetracted: query.include === 'retracted' };
  const id = new RegExp(ID_PATTERN);
  const inRange = (key: CursorKey) => String(key.eventKey) >= fromKey && String(key.eventKey) <= toKey;

  if (query.vehicleId || query.fleetId) {
    const shape: Record<string, 'S' | 'N'> = query.vehicleId ? { vehicleId: 'S', eventKey: 'S', since: 'N', until: 'N' } : { vehicleId: 'S', eventKey: 'S', fleetId: 'S', since: 'N', until: 'N' };
    const fits = (key: CursorKey) =>
      id.test(String(key.vehicleId)) && inRange(key) && (query.vehicleId ? key.vehicleId === query.vehicleId : key.fleetId === query.fleetId);
    const startKey = query.cursor ? withoutRange(decodeCursor(query.cursor, scope, shape, fits)) : undefined;
    const page = await store.list({ ...common, vehicleId: query.vehicleId, fleetId: query.fleetId, limit: query.limit, startKey });
    return { events: page.events, next: page.lastKey && withRange(page.lastKey) };
  }

  // The environment's log: the byDay index, one UTC day at a time, in the order asked for.
  const days: string[] = [];
  for (let t = Date.parse(day(since)); t <= until; t += DAY_MS) days.push(day(t));
  if (query.order === 'desc') days.reverse();
  const shape = { vehicleId: 'S', eventKey: 'S', eventDay: 'S', since: 'N', until: 'N' } as const;
  // A cursor at the start of a day has empty keys.
  const fits = (key: CursorKey) => days.includes(String(key.eventDay)) && ((key.vehicleId === '' && key.eventKey === '') || (id.test(String(key.vehicleId)) && inRange(key)));
  const cursor = query.cursor ? decodeCursor(query.cursor, scope, shape, fits) : undefined;
  let index = cursor ? days.indexOf(String(cursor.eventDay)) : 0;
  let startKey = cursor && cursor.vehicleId !== '' ? withoutRange(cursor) : undefined;
  const events: StoredEvent[] = [];
  for (let read = 0; index < days.length && read < MAX_DAYS_PER_PAGE; read++) {
    const page = await store.list({ ...common, day: days[index], limit: query.limit - events.length, startKey });
    events.push(...page.events);
    if (page.lastKey) return { events, next: withRange(page.lastKey) };
    index++;
    startKey = undefined;
    if (events.length >= query.limit) break;
  }
  return { events, next: index < days.length ? withRange({ eventDay: days[index], vehicleId: '', eventKey: '' }) : undefined };
}

const withoutRange = ({ since: _since, until: _until, ...key }: CursorKey) => key as Record<string, string>;

const { fleetId: _fleetId, vehicleId: _vehicleId, ...ofOneVehicle } = eventQuerySchema.properties;

const pageSchema = {
  200: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: eventViewSchema }, nextCursor: { type: ['string', 'null'] } },
  },
  400: problemRef,
};

/** The event log: geofence enter/exit and alarms, in fix-time order, with corrections visible. */
export const eventRoutes: FastifyPluginAsync = async (app) => {
  const { events, vehicles } = app.services;
  const retentionMs = app.appConfig.positionRetentionDays * DAY_MS;

  app.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The event log, in the time order of the fixes that raised the events, paginated',
        description:
          'One vehicle\'s (vehicleId), one fleet\'s (fleetId) or every vehicle\'s. Events appear within seconds of the fix being stored. ' +
          'A fix that arrives late can disprove an event: it then carries retractedAt (shown with include=retracted), and its replacement lists it in supersedes.',
        querystring: eventQuerySchema,
        response: pageSchema,
      },
    },
    async (request) => {
      const page = await listEvents(events, request.query, Date.now(), retentionMs);
      return { items: page.events.map(toEventView), nextCursor: page.next ?? null };
    },
  );

  app.get<{ Querystring: { since?: string; limit: number; cursor?: string } }>(
    '/events/changes',
    {
      schema: {
        tags: ['events'],
        summary: 'Every event raised or retracted since a time, in the order of those changes: a consumer\'s feed',
        description:
          'Poll it with the last nextCursor (or since = the last change seen) to see new events and corrections alike: a late fix that disproves an event ' +
          'shows it again here with retractedAt, and its replacement (with supersedes) beside it. An event raised again after a retraction appears again.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', description: 'Changes from this time, inclusive: ISO-8601 or epoch ms (default: an hour ago; at most the retention back)' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_EVENTS_PER_PAGE, default: 50, description: `Changes per page: 1-${MAX_EVENTS_PER_PAGE}, default 50` },
            cursor: cursorQuerySchema,
          },
        },
        response: pageSchema,
      },
    },
    async (request) => {
      const now = Date.now();
      const fromCursor = cursorRange(request.query.cursor);
      const since = Math.max(parseQueryTimestamp(request.query.since, 'since') ?? fromCursor?.since ?? now - 3600_000, now - retentionMs);
      if (since > now + 60_000) throw ApiError.badRequest('since must not be in the future', [{ field: 'since', message: 'must not be in the future' }]);
      const days: string[] = [];
      for (let t = Date.parse(day(since)); t <= now; t += DAY_MS) days.push(day(t));
      const scope = `changes|${request.query.since ?? ''}`;
      const fromKey = String(since).padStart(15, '0');
      const shape = { vehicleId: 'S', eventKey: 'S', changeDay: 'S', changeKey: 'S', since: 'N', until: 'N' } as const;
      const fits = (key: CursorKey) => days.includes(String(key.changeDay)) && (key.changeKey === '' || String(key.changeKey) >= fromKey);
      const cursor = request.query.cursor ? decodeCursor(request.query.cursor, scope, shape, fits) : undefined;
      const next = (key: Record<string, string>) => encodeCursor(scope, { ...key, since, until: now });
      let index = cursor ? days.indexOf(String(cursor.changeDay)) : 0;
      let startKey = cursor && cursor.changeKey !== '' ? withoutRange(cursor) : undefined;
      const items: StoredEvent[] = [];
      for (let read = 0; index < days.length && read < MAX_DAYS_PER_PAGE; read++) {
        const page = await events.changes({ day: days[index], fromKey, limit: request.query.limit - items.length, startKey });
        items.push(...page.events);
        if (page.lastKey) return { items: items.map(toEventView), nextCursor: next(page.lastKey) };
        if (items.length >= request.query.limit) break;
        index++;
        startKey = undefined;
      }
      // The end of the feed for now: the cursor resumes after the last change returned (or where this
      // poll began), so polling with it again returns only what changed since.
      const last = items[items.length - 1];
      const resume = last
        ? { changeDay: last.changeDay, vehicleId: last.vehicleId, eventKey: last.eventKey, changeKey: last.changeKey }
        : cursor
          ? (withoutRange(cursor) as Record<string, string>)
          : { changeDay: days[0], vehicleId: '', eventKey: '', changeKey: '' };
      return { items: items.map(toEventView), nextCursor: next(resume) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: Omit<EventsQuery, 'vehicleId' | 'fleetId'> }>(
    '/vehicles/:id/events',
    {
      schema: {
        tags: ['events'],
        summary: 'One vehicle\'s events (as GET /events?vehicleId=)',
        params: vehicleIdParamsSchema,
        querystring: { ...eventQuerySchema, properties: ofOneVehicle },
        response: { ...pageSchema, 404: problemRef },
      },
    },
    async (request) => {
      const vehicle = await vehicles.get(request.params.id);
      if (!vehicle) throw ApiError.notFound(`Vehicle ${request.params.id} does not exist`);
      const page = await listEvents(events, { ...request.query, vehicleId: request.params.id }, Date.now(), retentionMs);
      // A vehicle created again under this id never sees the earlier one's events (as with its history).
      return { items: page.events.filter((event) => event.detectedAt >= vehicle.createdAt).map(toEventView), nextCursor: page.next ?? null };
    },
  );
};
