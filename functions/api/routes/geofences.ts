import type { FastifyPluginAsync } from 'fastify';
import { without } from '../domain/objects';
import { ApiError, FieldError, fieldErrorsProblem } from '../domain/errors';
import { Geofence, toGeofenceView } from '../domain/geofence';
import { GeofenceGeometry, parseGeometry } from '../domain/geofence-geometry';
import { generateGeofenceId } from '../domain/ids';
import { ID_PATTERN, cursorQuerySchema, idSchema, problemRef } from '../schemas/common';
import { createGeofenceSchema, geofenceIdParamsSchema, geofenceViewSchema, patchGeofenceSchema } from '../schemas/geofence';
import { CursorKey, decodeCursor, encodeCursor } from '../services/cursor';

interface GeofenceInput {
  readonly id?: string;
  readonly name: string;
  readonly geometry: unknown;
  readonly fleetId?: string | null;
  readonly vehicleIds?: string[] | null;
  readonly speedLimitKmh?: number | null;
}

const UPDATE_ATTEMPTS = 3;

/** The geometry, and a scope that is a fleet or a vehicle list, not both: 400 naming the field otherwise. */
function checked(input: Partial<GeofenceInput>, current?: Geofence): { geometry?: GeofenceGeometry } {
  const errors: FieldError[] = [];
  let geometry: GeofenceGeometry | undefined;
  if (input.geometry !== undefined) {
    const parsed = parseGeometry(input.geometry);
    if ('errors' in parsed) errors.push(...parsed.errors);
    else geometry = parsed.geometry;
  }
  const fleetId = input.fleetId === undefined ? current?.fleetId : input.fleetId;
  const vehicleIds = input.vehicleIds === undefined ? current?.vehicleIds : input.vehicleIds;
  if (fleetId && vehicleIds) errors.push({ field: input.vehicleIds ? 'vehicleIds' : 'fleetId', message: 'a geofence watches a fleet or listed vehicles, not both' });
  if (errors.length) throw fieldErrorsProblem(errors, '. Nothing was stored.');
  return { geometry };
}

/** Geofences: circles and (multi)polygons a fleet's, some vehicles' or every vehicle's positions are watched against. */
export const geofenceRoutes: FastifyPluginAsync = async (app) => {
  const { geofences, geofenceIndex } = app.services;

  app.post<{ Body: GeofenceInput }>(
    '/geofences',
    {
      schema: {
        tags: ['geofences'],
        summary: 'Create a geofence',
        description: 'Applies to positions ingested from then on (within 60 s on every instance).',
        body: createGeofenceSchema,
        response: { 201: geofenceViewSchema, 400: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      const { geometry } = checked(request.body);
      const now = Date.now();
      const geofence: Geofence = without({
        id: request.body.id ?? generateGeofenceId(),
        name: request.body.name,
        geometry: geometry!,
        fleetId: request.body.fleetId ?? undefined,
        vehicleIds: request.body.vehicleIds ?? undefined,
        speedLimitKmh: request.body.speedLimitKmh ?? undefined,
        createdAt: now,
        updatedAt: now,
        revision: 1,
      });
      await geofences.create(geofence);
      geofenceIndex.invalidate();
      return reply.code(201).header('location', `/geofences/${encodeURIComponent(geofence.id)}`).send(toGeofenceView(geofence));
    },
  );

  app.get<{ Querystring: { fleetId?: string; limit: number; cursor?: string } }>(
    '/geofences',
    {
      config: { etag: true },
      schema: {
        tags: ['geofences'],
        summary: 'List geofences (optionally one fleet\'s)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { fleetId: idSchema, limit: { type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Geofences per page: 1-100, default 50' }, cursor: cursorQuerySchema },
        },
        response: {
          200: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: geofenceViewSchema }, nextCursor: { type: ['string', 'null'] } } },
          400: problemRef,
        },
      },
    },
    async (request) => {
      const { fleetId, limit, cursor } = request.query;
      const scope = `geofences|${fleetId ?? '*'}`;
      const shape: Record<string, 'S'> = fleetId ? { geofenceId: 'S', fleetId: 'S' } : { geofenceId: 'S' };
      const id = new RegExp(ID_PATTERN);
      const fits = (key: CursorKey) => id.test(String(key.geofenceId)) && (!fleetId || key.fleetId === fleetId);
      const startKey = cursor ? (decodeCursor(cursor, scope, shape, fits) as Record<string, string>) : undefined;
      const page = await geofences.list({ fleetId, limit, startKey });
      return { items: page.geofences.map(toGeofenceView), nextCursor: page.lastKey ? encodeCursor(scope, page.lastKey) : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/geofences/:id',
    { config: { etag: true }, schema: { tags: ['geofences'], summary: 'One geofence', params: geofenceIdParamsSchema, response: { 200: geofenceViewSchema, 404: problemRef } } },
    async (request) => {
      const geofence = await geofences.get(request.params.id);
      if (!geofence) throw ApiError.notFound(`Geofence ${request.params.id} does not exist`);
      return toGeofenceView(geofence);
    },
  );

  app.patch<{ Params: { id: string }; Body: Partial<GeofenceInput> }>(
    '/geofences/:id',
    {
      schema: {
        tags: ['geofences'],
        summary: 'Change a geofence\'s name, geometry, scope or speed limit',
        description: 'Applies to positions ingested from then on; events already raised stay.',
        params: geofenceIdParamsSchema,
        body: patchGeofenceSchema,
        response: { 200: geofenceViewSchema, 400: problemRef, 404: problemRef, 409: problemRef },
      },
    },
    async (request) => {
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
        const current = await geofences.get(request.params.id);
        if (!current) throw ApiError.notFound(`Geofence ${request.params.id} does not exist`);
        const { geometry } = checked(request.body, current);
        const { name, fleetId, vehicleIds, speedLimitKmh } = request.body;
        const next = without({
          ...current,
          ...(name !== undefined && { name }),
          ...(geometry && { geometry }),
          ...(fleetId !== undefined && { fleetId }),
          ...(vehicleIds !== undefined && { vehicleIds }),
          ...(speedLimitKmh !== undefined && { speedLimitKmh }),
          updatedAt: Date.now(),
          revision: current.revision + 1,
        }) as Geofence;
        if (await geofences.replace(next, current.revision)) {
          geofenceIndex.invalidate();
          return toGeofenceView(next);
        }
      }
      throw ApiError.conflict(`geofence ${request.params.id} was changed by other requests meanwhile; send the change again`);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/geofences/:id',
    {
      schema: {
        tags: ['geofences'],
        summary: 'Remove a geofence. Events it raised stay in the log.',
        params: geofenceIdParamsSchema,
        response: { 204: { type: 'null' }, 404: problemRef },
      },
    },
    async (request, reply) => {
      if (!(await geofences.delete(request.params.id))) throw ApiError.notFound(`Geofence ${request.params.id} does not exist`);
      geofenceIndex.invalidate();
      return reply.code(204).send();
    },
  );
};
