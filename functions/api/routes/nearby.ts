import type { FastifyPluginAsync } from 'fastify';
import { idSchema, problemRef } from '../schemas/common';
import { positionViewSchema } from '../schemas/position';
import { toPositionView } from '../domain/position';

export const MAX_NEARBY_RADIUS_METERS = 100_000;

const querySchema = {
  type: 'object',
  required: ['lat', 'lon', 'radius'],
  additionalProperties: false,
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90, description: 'Centre latitude, degrees' },
    lon: { type: 'number', minimum: -180, maximum: 180, description: 'Centre longitude, degrees' },
    radius: { type: 'number', exclusiveMinimum: 0, maximum: MAX_NEARBY_RADIUS_METERS, description: `Metres, up to ${MAX_NEARBY_RADIUS_METERS}` },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Vehicles at most, nearest first: 1-100, default 20' },
    fleetId: idSchema,
    maxAge: {
      type: 'integer',
      minimum: 1,
      description: "Seconds: leave out vehicles whose latest fix is older (default: the environment's trackers.nearbyMaxAgeMinutes)",
    },
  },
} as const;

/** `GET /positions/nearby`: vehicles whose latest position is within a radius, nearest first. */
export const nearbyRoutes: FastifyPluginAsync = async (app) => {
  const defaultMaxAgeSeconds = app.appConfig.nearbyMaxAgeMinutes * 60;
  app.get<{ Querystring: { lat: number; lon: number; radius: number; limit: number; fleetId?: string; maxAge?: number } }>(
    '/positions/nearby',
    {
      schema: {
        tags: ['positions'],
        summary: 'Vehicles whose latest position lies within radius metres of a point, nearest first, with their distance',
        description: 'Served from the Redis geo index when it is warm, otherwise from DynamoDB; the answer is the same (x-cache says which).',
        querystring: querySchema,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['vehicleId', 'distanceMeters', 'position'],
                  properties: {
                    vehicleId: { type: 'string' },
                    distanceMeters: { type: 'number', description: 'Great-circle distance, metres (to the centimetre)' },
                    position: positionViewSchema,
                  },
                },
              },
            },
          },
          400: problemRef,
        },
      },
    },
    async (request, reply) => {
      const { lat, lon, radius, limit, fleetId, maxAge = defaultMaxAgeSeconds } = request.query;
      const minTs = Date.now() - maxAge * 1000;
      const result = await app.services.nearby.search({ lat, lon, radiusMeters: radius, limit, fleetId, minTs });
      reply.header('x-cache', result.source === 'cache' ? 'hit' : 'bypass');
      return {
        items: result.items.map((item) => ({ vehicleId: item.vehicleId, distanceMeters: item.distanceMeters, position: toPositionView(item.position) })),
      };
    },
  );
};
