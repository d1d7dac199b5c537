/** One problem with one input field, named as the client wrote it: `positions[3].lat`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** `positions[2].lat must be <= 90 (and 3 more)`: the first problem, and how many follow. */
export function summarizeFieldErrors(errors: readonly FieldError[]): string {
  const [first] = errors;
  return `${first.field} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
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
