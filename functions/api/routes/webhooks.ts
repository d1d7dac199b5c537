import type { FastifyPluginAsync } from 'fastify';
import { MAX_WEBHOOKS, WEBHOOK_SECRET_OVERLAP_MS } from '../../../config/delivery';
import { without } from '../domain/objects';
import { ApiError, FieldError, fieldErrorsProblem } from '../domain/errors';
import type { EventType } from '../domain/events';
import { generateWebhookId, generateWebhookSecret } from '../domain/ids';
import { Webhook, toWebhookView, webhookUrlProblem } from '../domain/webhook';
import { idSchema, problemRef } from '../schemas/common';
import { createWebhookSchema, patchWebhookSchema, webhookIdParamsSchema, webhookListSchema, webhookViewSchema, webhookWithSecretSchema } from '../schemas/webhook';

interface WebhookInput {
  readonly url: string;
  readonly description?: string | null;
  readonly eventTypes?: EventType[] | null;
  readonly fleetId?: string | null;
  readonly vehicleIds?: string[] | null;
  readonly enabled?: boolean;
}

const UPDATE_ATTEMPTS = 3;

/** Webhooks: where the event log's changes are POSTed, signed, retried and finally dead-lettered. */
export const webhookRoutes: FastifyPluginAsync = async (app) => {
  const { webhooks, webhookDirectory } = app.services;
  const allowPrivateTargets = app.appConfig.webhookAllowPrivateTargets;

  /** A URL deliveries may go to, and a scope that is a fleet or a vehicle list, not both: 400 naming the field otherwise. */
  const check = (input: Partial<WebhookInput>, current?: Webhook) => {
    const errors: FieldError[] = [];
    const urlProblem = input.url === undefined ? undefined : webhookUrlProblem(input.url, allowPrivateTargets);
    if (urlProblem) errors.push(urlProblem);
    const fleetId = input.fleetId === undefined ? current?.fleetId : input.fleetId;
    const vehicleIds = input.vehicleIds === undefined ? current?.vehicleIds : input.vehicleIds;
    if (fleetId && vehicleIds) errors.push({ field: input.vehicleIds ? 'vehicleIds' : 'fleetId', message: 'a webhook follows a fleet or listed vehicles, not both' });
    if (errors.length) throw fieldErrorsProblem(errors, '. Nothing was stored.');
  };

  const withSecret = (webhook: Webhook) => ({ ...toWebhookView(webhook), secret: webhook.secret });

  app.post<{ Body: WebhookInput }>(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook',
        description:
          'Every change of the event log it wants (an event raised, or retracted by a late fix) is POSTed to url as JSON, signed with the secret in the answer (shown only now). ' +
          `Applies within 60 s on every instance. At most ${MAX_WEBHOOKS} per environment.`,
        body: createWebhookSchema,
        response: { 201: webhookWithSecretSchema, 400: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      check(request.body);
      if ((await webhooks.all()).length >= MAX_WEBHOOKS) throw ApiError.conflict(`This environment has ${MAX_WEBHOOKS} webhooks, the most it holds; delete one first`);
      const now = Date.now();
      const webhook: Webhook = without({
        id: generateWebhookId(),
        url: request.body.url,
        description: request.body.description ?? undefined,
        eventTypes: request.body.eventTypes ?? undefined,
        fleetId: request.body.fleetId ?? undefined,
        vehicleIds: request.body.vehicleIds ?? undefined,
        enabled: request.body.enabled ?? true,
        secret: generateWebhookSecret(),
        createdAt: now,
        updatedAt: now,
        revision: 1,
      });
      await webhooks.create(webhook);
      webhookDirectory.invalidate();
      return reply.code(201).header('location', `/webhooks/${webhook.id}`).send(withSecret(webhook));
    },
  );

  app.get<{ Querystring: { fleetId?: string } }>(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'List webhooks (optionally those following one fleet)',
        querystring: { type: 'object', additionalProperties: false, properties: { fleetId: idSchema } },
        response: { 200: webhookListSchema, 400: problemRef },
      },
    },
    async (request) => {
      const all = await webhooks.all();
      const { fleetId } = request.query;
      return { items: all.filter((webhook) => fleetId === undefined || webhook.fleetId === fleetId).sort((a, b) => a.createdAt - b.createdAt).map(toWebhookView) };
    },
  );

  const existing = async (id: string) => {
    const webhook = await webhooks.get(id);
    if (!webhook) throw ApiError.notFound(`Webhook ${id} does not exist`);
    return webhook;
  };

  app.get<{ Params: { id: string } }>(
    '/webhooks/:id',
    { schema: { tags: ['webhooks'], summary: 'One webhook, with its delivery state', params: webhookIdParamsSchema, response: { 200: webhookViewSchema, 404: problemRef } } },
    async (request) => toWebhookView(await existing(request.params.id)),
  );

  /** Read-modify-write conditioned on the revision, retried if another change came between. */
  const update = async (id: string, change: (current: Webhook) => Webhook): Promise<Webhook> => {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await existing(id);
      const next = { ...change(current), updatedAt: Date.now(), revision: current.revision + 1 };
      if (await webhooks.replace(next, current.revision)) {
        webhookDirectory.invalidate();
        return next;
      }
    }
    throw ApiError.conflict(`webhook ${id} was changed by other requests meanwhile; send the change again`);
  };

  app.patch<{ Params: { id: string }; Body: Partial<WebhookInput> }>(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook\'s URL, filters or scope, or pause it (enabled: false)',
        description: 'Deliveries waiting for a retry go to the webhook as it is when they are retried.',
        params: webhookIdParamsSchema,
        body: patchWebhookSchema,
        response: { 200: webhookViewSchema, 400: problemRef, 404: problemRef, 409: problemRef },
      },
    },
    async (request) => {
      const next = await update(request.params.id, (current) => {
        check(request.body, current);
        const { url, description, eventTypes, fleetId, vehicleIds, enabled } = request.body;
        // A new receiver starts with a clean record: the old one's failure is not its own.
        const { failingSince: _since, lastError: _error, ...record } = current;
        return without({
          ...(url !== undefined && url !== current.url ? record : current),
          ...(url !== undefined && { url }),
          ...(description !== undefined && { description }),
          ...(eventTypes !== undefined && { eventTypes }),
          ...(fleetId !== undefined && { fleetId }),
          ...(vehicleIds !== undefined && { vehicleIds }),
          ...(enabled !== undefined && { enabled }),
        }) as Webhook;
      });
      return toWebhookView(next);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Rotate the signing secret',
        description: `Deliveries carry a signature with the new secret and, for ${WEBHOOK_SECRET_OVERLAP_MS / 3_600_000} hours, one with the old secret too (two v1= values), so a receiver can move over without losing any.`,
        params: webhookIdParamsSchema,
        response: { 200: webhookWithSecretSchema, 404: problemRef, 409: problemRef },
      },
    },
    async (request) => {
      const secret = generateWebhookSecret();
      const next = await update(request.params.id, (current) => ({ ...current, secret, previousSecret: current.secret, previousSecretUntil: Date.now() + WEBHOOK_SECRET_OVERLAP_MS }));
      return withSecret(next);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook; deliveries waiting for a retry are dropped',
        params: webhookIdParamsSchema,
        response: { 204: { type: 'null' }, 404: problemRef },
      },
    },
    async (request, reply) => {
      if (!(await webhooks.delete(request.params.id))) throw ApiError.notFound(`Webhook ${request.params.id} does not exist`);
      webhookDirectory.invalidate();
      return reply.code(204).send();
    },
  );
};
