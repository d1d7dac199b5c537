/**
 * Environment variables the API reads at runtime. module.api_services sets them on the Lambda
 * function; the local dev server sets them for itself. One list, so the two never drift.
 */
export const RUNTIME_ENV = {
  environment: 'ENVIRONMENT',
  vehiclesTable: 'VEHICLES_TABLE',
  positionsTable: 'POSITIONS_TABLE',
  devicesTable: 'DEVICES_TABLE',
  positionRetentionDays: 'POSITION_RETENTION_DAYS',
  /** Local only: DynamoDB endpoint override (dynalite). */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** `redis://` or `rediss://` URL without credentials; unset runs without the cache. */
  redisUrl: 'REDIS_URL',
  /** Secrets Manager secret holding the Redis AUTH token (never the token itself). */
  redisAuthSecretArn: 'REDIS_AUTH_SECRET_ARN',
  /** Comma-separated API keys the app accepts in `x-api-key`; unset means no app-level check. */
  apiKeys: 'API_KEYS',
  /** Secrets Manager secret holding the API keys, as a JSON array of strings. */
  apiKeysSecretArn: 'API_KEYS_SECRET_ARN',
  logLevel: 'LOG_LEVEL',
} as const;
