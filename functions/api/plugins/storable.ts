import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unstorableFields } from '../domain/dynamo-limits';
import { fieldErrorsProblem } from '../domain/errors';

/**
 * Every JSON body is checked against what DynamoDB can store (domain/dynamo-limits.ts) after schema
 * validation and before any handler runs, in Lambda and the dev server alike: a value DynamoDB would
 * reject is the client's 400, naming the field, not a 503 to retry forever.
 */
export function installStorableCheck(app: FastifyInstance, bodyName: (request: FastifyRequest) => string): void {
  app.addHook('preHandler', async (request) => {
    const { body } = request;
    if (body === null || typeof body !== 'object') return;
    const { errors, total } = unstorableFields([{ value: body, field: Array.isArray(body) ? bodyName(request) : '' }]);
    if (total > 0) throw fieldErrorsProblem(errors, '. Nothing was stored.', total);
  });
}
