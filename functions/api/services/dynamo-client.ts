import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StorageUnavailableError } from '../domain/errors';

export interface DynamoClientOptions {
  readonly region: string;
  /** dynalite or DynamoDB Local; credentials are then irrelevant but the SDK still wants some. */
  readonly endpoint?: string;
}

/**
 * Bounded in time: a request that cannot connect in 1 s or answer in 3 s fails, and the SDK retries
 * at most twice, so an endpoint answers (or returns 503) well inside the Lambda timeout.
 */
export function createDocumentClient(options: DynamoClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
    ...(options.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Errors DynamoDB answers about the item itself (HTTP 400): the same bytes will be refused again.
 * Everything else that is not a conditional check (credentials, permissions, a missing table during
 * a cut-over, the network) is ours or passing, and a client's resend may well succeed.
 */
const REFUSED_AS_SENT = new Set(['ValidationException', 'SerializationException']);

/** True when DynamoDB refused this item as sent: resending it unchanged cannot succeed. */
export function isRefusedAsSent(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return !!e?.name && REFUSED_AS_SENT.has(e.name) && (e.$metadata?.httpStatusCode ?? 400) === 400;
}

/** True for failures a retry later can fix: throttling, 5xx, timeouts, refused connections. */
export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name && UNAVAILABLE.has(e.name)) return true;
  if (e?.code && UNAVAILABLE.has(e.code)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** Runs a DynamoDB call, turning "try again later" failures into StorageUnavailableError (503). */
export async function storageCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new StorageUnavailableError(error);
    throw error;
  }
}
