import type { FastifyPluginAsync } from 'fastify';
import { problemRef } from '../schemas/common';
import { fleetIdParamsSchema, fleetViewSchema, patchFleetSchema } from '../schemas/fleet';
import { FLEET_SETTINGS_TTL_MS, PositionFilterChanges } from '../services/fleet-settings';

/** A fleet's settings. A fleet exists as soon as a vehicle names it; one never changed shows the defaults. */
export const fleetRoutes: FastifyPluginAsync = async (app) => {
  const { fleets } = app.services;

  app.get<{ Params: { fleetId: string } }>(
    '/fleets/:fleetId',
    {
      schema: {
        tags: ['fleets'],
        summary: 'A fleet\'s settings: the position filter its vehicles\' fixes go through',
        params: fleetIdParamsSchema,
        response: { 200: fleetViewSchema, 400: problemRef, 503: problemRef },
      },
    },
    async (request) => fleets.view(request.params.fleetId),
  );

  app.patch<{ Params: { fleetId: string }; Body: { positionFilter: PositionFilterChanges } }>(
    '/fleets/:fleetId',
    {
      schema: {
        tags: ['fleets'],
        summary: 'Change a fleet\'s position filter',
        description:
          `Applies to fixes ingested from then on, on every instance within ${FLEET_SETTINGS_TTL_MS / 1000} s; stored fixes keep their verdict. ` +
          'Filtered fixes are stored (history with include=filtered) but never become the latest position.',
        params: fleetIdParamsSchema,
        body: patchFleetSchema,
        response: { 200: fleetViewSchema, 400: problemRef, 409: problemRef, 503: problemRef },
      },
    },
    async (request) => fleets.update(request.params.fleetId, request.body.positionFilter),
  );
};
