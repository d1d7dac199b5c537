/** Schemas shared by several routes. Units are stated here, where the OpenAPI document reads them. */
import { exampleEpochMs, exampleIso } from '../openapi/example-times';

/** Client-chosen ids (vehicle ids, fleet ids): safe in keys, URLs and logs. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$';

export const idSchema = {
  type: 'string',
  pattern: ID_PATTERN,
  description: '1-64 characters: letters, digits, and _ . : - (not first)',
} as const;

export const timestampSchema = {
  description: 'Time of the fix: ISO-8601 date-time with a time zone, or epoch milliseconds',
  anyOf: [
    { type: 'string', maxLength: 40, examples: [exampleIso()] },
    { type: 'integer', minimum: 0, examples: [exampleEpochMs()] },
  ],
} as const;

export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
  additionalProperties: true,
} as const;

export const cursorQuerySchema = {
  type: 'string',
  maxLength: 2048,
  description: 'Opaque: the nextCursor of the previous page, for the same query',
} as const;

/** Response schema reference for any problem (registered once by buildApp). */
export const problemRef = { $ref: 'Problem#' } as const;
