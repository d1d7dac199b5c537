import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { unstorableFields } from '../domain/dynamo-limits';
import { fieldErrorsProblem } from '../domain/errors';
import { parseOsmAndJson, parseOsmAndQuery } from '../protocols/osmand';
import { problemRef } from '../schemas/common';
import { osmandBodySchema, osmandQuerySchema } from '../schemas/osmand';
import { ingestResultSchema } from '../schemas/position';
import { DEVICE_ID_LOOKUP_PATTERN } from '../schemas/vehicle';
import { sendIngestResult, sendProblem } from '../plugins/problems';

export const OSMAND_PATH = '/osmand';

const UNKNOWN_DEVICE = 'Unknown device: register a vehicle with this deviceId first';
const DEVICE_ID = new RegExp(DEVICE_ID_LOOKUP_PATTERN);

/**
 * Traccar Client / OsmAnd trackers. They cannot send x-api-key, so, as in Traccar, the registered
 * device id is the credential. Malformed input is a 400 before the id is looked up, and every
 * unknown id gets the same 401, so responses never tell which ids exist.
 */
export const osmandRoutes: FastifyPluginAsync = async (app) => {
  // This plugin's own parser: trackers post their parameters as a form body.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const handler = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const now = Date.now();
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const body = request.body;
    const parsed =
      body && typeof body === 'object' && !Buffer.isBuffer(body)
        ? parseOsmAndJson(body)
        : parseOsmAndQuery(query.has('id') || query.has('deviceid') || typeof body !== 'string' ? query : new URLSearchParams(body), now);
    if ('errors' in parsed) throw fieldErrorsProblem(parsed.errors, '. Nothing was stored.');
    // A query string is no JSON body, so the body hook did not see these values: same storage limits.
    const unstorable = unstorableFields(parsed.report.positions.map(({ input, field }) => ({ value: input, field })));
    if (unstorable.total > 0) throw fieldErrorsProblem(unstorable.errors, '. Nothing was stored.', unstorable.total);
    // An id no vehicle could have been registered with is unknown without a lookup (a 3 KB id would
    // exceed DynamoDB's key size and fail as a 500): same answer as any unknown device.
    if (!DEVICE_ID.test(parsed.report.deviceId)) return sendProblem(request, reply, 401, UNKNOWN_DEVICE);
    const vehicleId = await app.services.devices.vehicleOf(parsed.report.deviceId);
    if (!vehicleId) return sendProblem(request, reply, 401, UNKNOWN_DEVICE);
    const result = await app.services.ingest.ingest(
      // From a tracker: implausible clocks are flagged and stored, not refused (see IngestItem.fromDevice).
      parsed.report.positions.map(({ input, field }) => ({ vehicleId, input, field, fromDevice: true })),
      now,
    );
    return sendIngestResult(request, reply, result);
  };

  const schema = {
    tags: ['devices'],
    summary: 'OsmAnd protocol ingest (Traccar Client): query string, form body or JSON',
    description:
      'Authenticated by the registered deviceId (no x-api-key). Speed in knots (query form) or m/s (JSON) is stored as km/h. ' +
      'A coordinate out of range is a 400 naming it; another measurement out of range is dropped and the fix kept as filtered. ' +
      'Any other query parameter is kept as an attribute (up to 20).',
    querystring: osmandQuerySchema,
    response: { 200: ingestResultSchema, 400: problemRef, 401: problemRef, 422: problemRef, 503: problemRef },
  };
  // The schemas document; the protocol's parser validates (see schemas/osmand.ts).
  const parserValidates = () => () => true;
  app.get(OSMAND_PATH, { config: { public: true }, schema, validatorCompiler: parserValidates }, handler);
  app.post(OSMAND_PATH, { config: { public: true }, schema: { ...schema, body: osmandBodySchema }, validatorCompiler: parserValidates }, handler);
};
