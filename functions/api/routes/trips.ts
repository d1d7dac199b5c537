import type { FastifyPluginAsync } from 'fastify';
import { TRIP_DEFAULTS, TripSettings } from '../../../config/trackers';
import { ApiError } from '../domain/errors';
import { parseQueryTimestamp } from '../domain/timestamps';
import { TripDetector } from '../domain/trips';
import { problemRef } from '../schemas/common';
import { vehicleIdParamsSchema } from '../schemas/vehicle';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest range one request summarises (history is read page by page, never held whole). */
export const MAX_TRIP_RANGE_DAYS = 7;
const PAGE = 1000;

const place = { type: 'object', required: ['timestamp', 'lat', 'lon'], properties: { timestamp: { type: 'string', format: 'date-time' }, lat: { type: 'number' }, lon: { type: 'number' } } };
const tripSchema = {
  type: 'object',
  required: ['start', 'end', 'durationSeconds', 'distanceMeters', 'maxSpeedKmh', 'averageSpeedKmh'],
  properties: { start: place, end: place, durationSeconds: { type: 'integer' }, distanceMeters: { type: 'integer' }, maxSpeedKmh: { type: 'number' }, averageSpeedKmh: { type: 'number' } },
};
const stopSchema = {
  type: 'object',
  required: ['start', 'end', 'durationSeconds', 'lat', 'lon', 'noData'],
  properties: {
    start: place,
    end: place,
    durationSeconds: { type: 'integer' },
    lat: { type: 'number' },
    lon: { type: 'number' },
    noData: { type: 'boolean', description: 'A gap in the data (no fix for maxGapSeconds), not fixes showing the vehicle still' },
  },
};
const settingsSchema = {
  type: 'object',
  properties: {
    speedThresholdKmh: { type: 'number', minimum: 0, maximum: 100, default: TRIP_DEFAULTS.speedThresholdKmh, description: 'km/h: faster is moving (the fix\'s speed, else from the distance to the previous fix)' },
    minStopSeconds: { type: 'integer', minimum: 10, maximum: 86_400, default: TRIP_DEFAULTS.minStopSeconds, description: 'Seconds not moving that make a stop' },
    minTripMeters: { type: 'integer', minimum: 0, maximum: 1_000_000, default: TRIP_DEFAULTS.minTripMeters, description: 'Metres a movement between stops must cover to be a trip' },
    maxGapSeconds: { type: 'integer', minimum: 60, maximum: 7 * 86_400, default: TRIP_DEFAULTS.maxGapSeconds, description: 'Seconds without a fix that end a trip (the gap is a stop)' },
  },
} as const;
const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', description: 'Start, inclusive: ISO-8601 or epoch ms (default: 24 hours before to)' },
    to: { type: 'string', description: `End, inclusive (default: now); at most ${MAX_TRIP_RANGE_DAYS} days after from` },
    ...settingsSchema.properties,
  },
} as const;

type TripQuery = { from?: string; to?: string } & TripSettings;

/** Trips and stops, cut from a vehicle's kept fixes with Traccar's semantics (domain/trips.ts). */
export const tripRoutes: FastifyPluginAsync = async (app) => {
  const { vehicles, positions } = app.services;

  async function summarise(id: string, query: TripQuery) {
    const now = Date.now();
    const to = parseQueryTimestamp(query.to, 'to') ?? now;
    const from = parseQueryTimestamp(query.from, 'from') ?? to - DAY_MS;
    if (from > to) throw ApiError.badRequest('from must not be after to', [{ field: 'from', message: 'must not be after to' }]);
    if (to - from > MAX_TRIP_RANGE_DAYS * DAY_MS) {
      throw ApiError.badRequest(`from and to may be at most ${MAX_TRIP_RANGE_DAYS} days apart`, [{ field: 'from', message: `must be at most ${MAX_TRIP_RANGE_DAYS} days before to` }]);
    }
    const vehicle = await vehicles.get(id);
    if (!vehicle) throw ApiError.notFound(`Vehicle ${id} does not exist`);
    const { speedThresholdKmh, minStopSeconds, minTripMeters, maxGapSeconds } = query;
    const settings = { speedThresholdKmh, minStopSeconds, minTripMeters, maxGapSeconds };
    const detector = new TripDetector(settings);
    let after: number | undefined;
    do {
      const page = await positions.history({ vehicleId: id, from, to, limit: PAGE, order: 'asc', after, receivedSince: vehicle.createdAt, now });
      page.positions.forEach((fix) => detector.add(fix));
      after = page.next;
    } while (after !== undefined);
    return { ...detector.finish(), range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, settings };
  }

  const response = (items: object) => ({
    200: {
      type: 'object',
      required: ['items', 'from', 'to', 'settings'],
      properties: { items: { type: 'array', items }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, settings: settingsSchema },
    },
    400: problemRef,
    404: problemRef,
  });

  app.get<{ Params: { id: string }; Querystring: TripQuery }>(
    '/vehicles/:id/trips',
    {
      schema: {
        tags: ['positions'],
        summary: 'Trips in a period: from one stop to the next, with distance, duration, max and average speed',
        description: 'A trip under way at the end of the period is included up to its last fix.',
        params: vehicleIdParamsSchema,
        querystring: querySchema,
        response: response(tripSchema),
      },
    },
    async (request) => {
      const { trips, range, settings } = await summarise(request.params.id, request.query);
      return { items: trips, ...range, settings };
    },
  );

  app.get<{ Params: { id: string }; Querystring: TripQuery }>(
    '/vehicles/:id/stops',
    {
      schema: {
        tags: ['positions'],
        summary: 'Stops in a period: where the vehicle stood still for at least minStopSeconds, or sent nothing for maxGapSeconds',
        params: vehicleIdParamsSchema,
        querystring: querySchema,
        response: response(stopSchema),
      },
    },
    async (request) => {
      const { stops, range, settings } = await summarise(request.params.id, request.query);
      return { items: stops, ...range, settings };
    },
  );
};
