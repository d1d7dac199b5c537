/** One problem with one input field, named as the client wrote it: `positions[3].lat`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Field errors a 400 lists at most; the detail counts the rest. */
export const MAX_FIELD_ERRORS = 20;

/** `positions[2].lat must be <= 90 (and 3 more)`: the first problem, and how many follow. */
export function summarizeFieldErrors(errors: readonly FieldError[], total = errors.length): string {
  const [first] = errors;
  return `${first.field} ${first.message}${total > 1 ? ` (and ${total - 1} more)` : ''}`;
}

/** A 400 for these problems: at most MAX_FIELD_ERRORS listed, all counted (`total` when only the first were kept). */
export function fieldErrorsProblem(errors: readonly FieldError[], suffix = '', total = errors.length): ApiError {
  return ApiError.badRequest(`${summarizeFieldErrors(errors, total)}${suffix}`, errors.slice(0, MAX_FIELD_ERRORS));
}

/**
 * An error the client can act on, rendered as RFC 9457 problem details.
 * Anything else that reaches the error handler is a 500 with no internals in the body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: readonly FieldError[] = [],
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
  }

  static badRequest(detail: string, errors: readonly FieldError[] = []): ApiError {
    return new ApiError(400, 'Bad Request', detail, errors);
  }

  static notFound(detail: string, errors: readonly FieldError[] = []): ApiError {
    return new ApiError(404, 'Not Found', detail, errors);
  }

  static conflict(detail: string): ApiError {
    return new ApiError(409, 'Conflict', detail);
  }
}

/** DynamoDB could not be reached or kept failing: the client should retry later. */
export class StorageUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super('The database is unavailable');
  }
}
