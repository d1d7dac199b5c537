import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, FieldError, StorageUnavailableError } from '../domain/errors';
import { toFieldErrors } from './validation';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
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
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...(errors.length ? { errors } : {}),
      ...extra,
    });
}

/**
 * One error shape for everything (RFC 9457 problem details). Client mistakes are 4xx naming the
 * field; an unreachable database is 503 with Retry-After; anything else is a logged 500 that
 * reveals nothing internal.
 */
export function installProblemHandlers(app: FastifyInstance, bodyName: (request: FastifyRequest) => string): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendProblem(request, reply, error.status, error.message, error.errors, error.extra);
    if (error instanceof StorageUnavailableError) {
      request.log.error({ err: error.cause }, 'DynamoDB unavailable');
      reply.header('retry-after', '1');
      return sendProblem(request, reply, 503, 'The database is unavailable or throttling; retry shortly. Nothing was lost: unacknowledged writes were not stored.');
    }
    if (error.validation) {
      const errors = toFieldErrors(error.validation as never, error.validationContext, bodyName(request));
      const first = errors[0];
      return sendProblem(request, reply, 400, `${first.field} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, errors);
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
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(request, reply, error.statusCode, error.message);
    }
    request.log.error({ err: error }, 'Unhandled error');
    return sendProblem(request, reply, 500, 'Internal error; the request id identifies it in the logs');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, 404, `No route ${request.method} ${request.url.split('?')[0]}; see /docs`),
  );
}
