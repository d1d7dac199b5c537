import { MAX_WEBHOOKS, WEBHOOK_HEADERS, WEBHOOK_RETRY_DELAYS_SECONDS } from '../../../config/delivery';
import { EVENT_TYPES } from '../domain/events';
import { MAX_WEBHOOK_URL_LENGTH } from '../domain/webhook';
import { idSchema } from './common';

export const MAX_WEBHOOK_VEHICLES = 100;

export const webhookIdParamsSchema = { type: 'object', required: ['id'], properties: { id: idSchema } } as const;

const urlSchema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  description: 'Where deliveries are POSTed. https in AWS, and never a private, loopback or link-local address (checked again after DNS resolution at each delivery)',
  examples: ['https://hooks.example.com/vehicle-events'],
} as const;
const descriptionSchema = { type: 'string', maxLength: 200, description: 'What it is for (shown in lists)' } as const;
const eventTypesSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: EVENT_TYPES },
  description: 'Only these event types; every type when left out',
} as const;
const vehicleIdsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_WEBHOOK_VEHICLES,
  uniqueItems: true,
  items: idSchema,
  description: `Only these vehicles' events (at most ${MAX_WEBHOOK_VEHICLES}); not with fleetId`,
} as const;
const enabledSchema = { type: 'boolean', description: 'false pauses deliveries (none are queued meanwhile)' } as const;

export const createWebhookSchema = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  examples: [{ url: 'https://hooks.example.com/vehicle-events', description: 'Dispatch board', eventTypes: ['geofenceEnter', 'geofenceExit'], fleetId: 'north' }],
  properties: {
    url: urlSchema,
    description: descriptionSchema,
    eventTypes: eventTypesSchema,
    fleetId: { ...idSchema, description: 'Only this fleet\'s events; with neither fleetId nor vehicleIds, every vehicle\'s' },
    vehicleIds: vehicleIdsSchema,
    enabled: { ...enabledSchema, default: true },
  },
} as const;

export const patchWebhookSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  examples: [{ enabled: false }, { eventTypes: null, vehicleIds: ['van-042'], fleetId: null }],
  properties: {
    url: urlSchema,
    description: { anyOf: [descriptionSchema, { type: 'null' }], description: 'null removes it' },
    eventTypes: { anyOf: [eventTypesSchema, { type: 'null' }], description: 'null: every type' },
    fleetId: { anyOf: [idSchema, { type: 'null' }], description: 'null removes it' },
    vehicleIds: { anyOf: [vehicleIdsSchema, { type: 'null' }], description: 'null removes it' },
    enabled: enabledSchema,
  },
} as const;

const webhookProperties = {
  id: { type: 'string' },
  url: { type: 'string' },
  description: { type: ['string', 'null'] },
  eventTypes: { type: ['array', 'null'], items: { type: 'string' } },
  fleetId: { type: ['string', 'null'] },
  vehicleIds: { type: ['array', 'null'], items: { type: 'string' } },
  enabled: { type: 'boolean' },
  secretHint: { type: 'string', description: 'The secret\'s last 4 characters (the secret itself is shown once, when created or rotated)' },
  failingSince: {
    type: ['string', 'null'],
    format: 'date-time',
    description: `Set at the first failed attempt after a success (each delivery is tried ${WEBHOOK_RETRY_DELAYS_SECONDS.length + 1} times over about 51 minutes); cleared by the next success`,
  },
  lastError: { type: ['string', 'null'], description: 'Why the attempt that set failingSince failed (HTTP status and answer, timeout, refused address)' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;
const viewRequired = ['id', 'url', 'description', 'eventTypes', 'fleetId', 'vehicleIds', 'enabled', 'secretHint', 'failingSince', 'lastError', 'createdAt', 'updatedAt'];

export const webhookViewSchema = { type: 'object', required: viewRequired, properties: webhookProperties } as const;

/** Create and rotate answer with the secret, once. */
export const webhookWithSecretSchema = {
  type: 'object',
  required: [...viewRequired, 'secret'],
  properties: {
    ...webhookProperties,
    secret: {
      type: 'string',
      description: `Signs every delivery: ${WEBHOOK_HEADERS.signature}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">. Store it now: it is not shown again`,
    },
  },
} as const;

export const webhookListSchema = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', maxItems: MAX_WEBHOOKS, items: webhookViewSchema } },
} as const;
