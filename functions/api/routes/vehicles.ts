import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../domain/errors';
import { TRACKER_STATUSES, TrackerStatus, toVehicleView } from '../domain/vehicle';
import type { Registration } from '../services/vehicle-registry';
import { ID_PATTERN, cursorQuerySchema, idSchema, problemRef } from '../schemas/common';
import {
  MAX_METADATA_BYTES,
  createVehicleSchema,
  patchVehicleSchema,
  vehicleIdParamsSchema,
  vehicleViewSchema,
} from '../schemas/vehicle';
import { CursorKey, decodeCursor, encodeCursor } from '../services/cursor';
import type { VehicleChanges } from '../services/vehicle-store';
import { latestEntryOf } from '../services/position-cache';


function checkMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw ApiError.badRequest(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`, [
      { field: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON` },
    ]);
  }
}


const listQuerySchema = {
  type: 'object',
  properties: {
    fleetId: idSchema,
    status: { type: 'string', enum: TRACKER_STATUSES, description: 'Only vehicles in this tracker status (a page may then hold fewer than limit: follow nextCursor)' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Vehicles per page: 1-100, default 50' },
    cursor: cursorQuerySchema,
  },
  additionalProperties: false,
} as const;

export const vehicleRoutes: FastifyPluginAsync = async (app) => {
  const { vehicles, registry, cache } = app.services;
  const offlineAfterMs = app.appConfig.offlineAfterMinutes * 60_000;

  app.post<{ Body: Registration }>(
    '/vehicles',
    {
      schema: {
        tags: ['vehicles'],
        summary: 'Register a vehicle (id chosen by the client, or generated)',
        body: createVehicleSchema,
        response: { 201: vehicleViewSchema, 400: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      checkMetadata(request.body.metadata);
      const vehicle = await registry.register(request.body);
      return reply.code(201).header('location', `/vehicles/${encodeURIComponent(vehicle.id)}`).send(toVehicleView(vehicle, Date.now(), offlineAfterMs));
    },
  );

  app.get<{ Querystring: { fleetId?: string; status?: TrackerStatus; limit: number; cursor?: string } }>(
    '/vehicles',
    {
      config: { etag: true },
      schema: {
        tags: ['vehicles'],
        summary: 'List vehicles (optionally one fleet\'s), each with its latest position',
        querystring: listQuerySchema,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: { items: { type: 'array', items: vehicleViewSchema }, nextCursor: { type: ['string', 'null'] } },
          },
          400: problemRef,
        },
      },
    },
    async (request) => {
      const { fleetId, status, limit, cursor } = request.query;
      const scope = `vehicles|${fleetId ?? '*'}|${status ?? '*'}`;
      const shape: Record<string, 'S'> = fleetId ? { vehicleId: 'S', fleetId: 'S' } : { vehicleId: 'S' };
      const id = new RegExp(ID_PATTERN);
      const fits = (key: CursorKey) => id.test(String(key.vehicleId)) && (!fleetId || key.fleetId === fleetId);
      const startKey = cursor ? (decodeCursor(cursor, scope, shape, fits) as Record<string, string>) : undefined;
      const now = Date.now();
      const page = await vehicles.list({ fleetId, limit, startKey, status: status && { status, cutoff: now - offlineAfterMs } });
      return {
        items: page.vehicles.map((vehicle) => toVehicleView(vehicle, now, offlineAfterMs)),
        nextCursor: page.lastKey ? encodeCursor(scope, page.lastKey) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/vehicles/:id',
    {
      config: { etag: true },
      schema: {
        tags: ['vehicles'],
        summary: 'One vehicle with its latest position',
        params: vehicleIdParamsSchema,
        response: { 200: vehicleViewSchema, 404: problemRef },
      },
    },
    async (request) => {
      const vehicle = await vehicles.get(request.params.id);
      if (!vehicle) throw ApiError.notFound(`Vehicle ${request.params.id} does not exist`);
      // Read repair: a cached entry older than what DynamoDB just returned is replaced. Not awaited:
      // this answer never waited on Redis, and a frozen Redis must not make it.
      const entry = latestEntryOf(vehicle);
      if (entry) void cache.offerLatest([entry], 'read');
      return toVehicleView(vehicle, Date.now(), offlineAfterMs);
    },
  );

  app.patch<{ Params: { id: string }; Body: VehicleChanges }>(
    '/vehicles/:id',
    {
      schema: {
        tags: ['vehicles'],
        summary: 'Change a vehicle\'s name, plate, fleet, type or metadata',
        params: vehicleIdParamsSchema,
        body: patchVehicleSchema,
        response: { 200: vehicleViewSchema, 400: problemRef, 404: problemRef },
      },
    },
    async (request) => {
      checkMetadata(request.body.metadata);
      const vehicle = await registry.update(request.params.id, request.body);
      return toVehicleView(vehicle, Date.now(), offlineAfterMs);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/vehicles/:id',
    {
      schema: {
        tags: ['vehicles'],
        summary: 'Remove a vehicle. Its history expires with the retention and is never shown for a new vehicle of the same id.',
        params: vehicleIdParamsSchema,
        response: { 204: { type: 'null' }, 404: problemRef },
      },
    },
    async (request, reply) => {
      await registry.remove(request.params.id);
      return reply.code(204).send();
    },
  );
};
