import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, FieldError, MAX_FIELD_ERRORS, StorageUnavailableError, summarizeFieldErrors } from '../domain/errors';
import type { IngestResult } from '../services/ingest';
import type { RouteIndex } from './http-edges';
import { toFieldErrors } from './validation';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail: string,
  errors: readonly FieldError[] = [],
  extra: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      instance: request.url.split('?')[0].slice(0, 256),
      requestId: request.id,
      ...(errors.length ? { errors } : {}),
      ...extra,
    });
}

/**
 * The answer to any ingest: 200 only when every position is durable. Otherwise the positions not
 * stored are listed exactly (`failed`, each `retryable` or not); the others are stored:
 * - 503 with Retry-After when a resend can succeed for any of them (throttling, an outage), so even
 *   a client that only looks at the status resends: ingest is idempotent;
 * - 422 naming each field when the database refused every one of them as sent: a resend of the same
 *   bytes would fail forever, and trackers (Traccar Client) retry a 5xx forever.
 */
export function sendIngestResult(request: FastifyRequest, reply: FastifyReply, result: IngestResult): FastifyReply {
  if (result.failed.length === 0) {
    return reply.code(200).send({
      stored: result.stored,
      duplicatesInRequest: result.duplicatesInRequest,
      ...(result.filtered > 0 && { filtered: result.filtered }),
      ...(result.alreadyStored > 0 && { alreadyStored: result.alreadyStored }),
      ...(result.expired > 0 && { expired: result.expired }),
      ...(result.discarded > 0 && { discarded: result.discarded }),
    });
  }
  const reasons = [...new Set(result.failed.map((f) => f.reason))];
  if (result.failed.every((f) => !f.retryable)) {
    request.log.warn({ stored: result.stored, refused: result.failed.length, reasons }, 'Ingest: positions the database refuses as sent; the others are stored');
    return sendProblem(
      request,
      reply,
      422,
      `${result.failed.length} position(s) cannot be stored as sent and were not stored; do not resend them unchanged (the others are stored)`,
      result.failed.slice(0, MAX_FIELD_ERRORS).map((f) => ({ field: f.field || 'body', message: f.reason })),
      { stored: result.stored, failed: result.failed },
    );
  }
  // Every 5xx is logged with its cause: here, why each position could not be stored.
  request.log.error({ stored: result.stored, failed: result.failed.length, reasons }, 'Ingest: positions not stored; the client was told to resend exactly those');
  reply.header('retry-after', '1');
  return sendProblem(
    request,
    reply,
    503,
    `${result.failed.length} position(s) were not stored; resend exactly those listed in failed (the others are stored)`,
    [],
    { stored: result.stored, failed: result.failed },
  );
}

/**
 * One error shape for everything (RFC 9457 problem details). Client mistakes are 4xx naming the
 * field; an unreachable database is 503 with Retry-After; anything else is a logged 500 that
 * reveals nothing internal.
 */
export function installProblemHandlers(app: FastifyInstance, bodyName: (request: FastifyRequest) => string, routes: RouteIndex): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendProblem(request, reply, error.status, error.message, error.errors, error.extra);
    if (error instanceof StorageUnavailableError) {
      request.log.error({ err: error.cause }, 'DynamoDB unavailable');
      reply.header('retry-after', '1');
      return sendProblem(request, reply, 503, 'The database is unavailable or throttling; retry shortly. Nothing was lost: unacknowledged writes were not stored.');
    }
    if (error.validation) {
      const { errors, total } = toFieldErrors(error.validation as never, error.validationContext, bodyName(request));
      return sendProblem(request, reply, 400, summarizeFieldErrors(errors, total), errors);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(request, reply, 413, `Request body is larger than ${app.initialConfig.bodyLimit} bytes; send fewer positions per request`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(request, reply, 415, `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(request, reply, 400, 'Request body is empty', [{ field: 'body', message: 'is required' }]);
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(request, reply, 400, 'Request body is not valid JSON', [{ field: 'body', message: 'is not valid JSON' }]);
      case 'VT_JSON_SHAPE':
        return sendProblem(request, reply, 400, `Request body ${error.message}`, [{ field: 'body', message: error.message }]);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(request, reply, error.statusCode, error.message);
    }
    request.log.error({ err: error }, 'Unhandled error');
    return sendProblem(request, reply, 500, 'Internal error; the request id identifies it in the logs');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = routes.allowedMethods(path);
    // 405 only when this method is really not served here (a trailing slash is a 404, not a 405).
    if (allowed.length === 0 || allowed.includes(request.method)) return sendProblem(request, reply, 404, `No route ${request.method} ${path}; see /docs`);
    reply.header('allow', allowed.join(', '));
    return sendProblem(request, reply, 405, `${request.method} is not supported on ${path}; use ${allowed.join(', ')}`);
  });
}
