/**
 * Environment variables the API reads at runtime. module.api_services sets them on the Lambda
 * function; the local dev server sets them for itself. One list, so the two never drift.
 */
export const RUNTIME_ENV = {
  environment: 'ENVIRONMENT',
  vehiclesTable: 'VEHICLES_TABLE',
  positionsTable: 'POSITIONS_TABLE',
  devicesTable: 'DEVICES_TABLE',
  fleetsTable: 'FLEETS_TABLE',
  geofencesTable: 'GEOFENCES_TABLE',
  eventsTable: 'EVENTS_TABLE',
  webhooksTable: 'WEBHOOKS_TABLE',
  /** `true` only locally: webhooks may target localhost and private addresses (never in AWS). */
  webhookAllowPrivateTargets: 'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  /** Comma-separated seconds between webhook attempts (default config/delivery.ts; tests shorten them). */
  webhookRetryDelaysSeconds: 'WEBHOOK_RETRY_DELAYS_SECONDS',
  /** The delivery function (AWS): the bus it publishes to, and the webhook retry and dead-letter queues. */
  eventBusName: 'EVENT_BUS_NAME',
  webhookRetryQueueUrl: 'WEBHOOK_RETRY_QUEUE_URL',
  webhookDeadLetterQueueUrl: 'WEBHOOK_DEAD_LETTER_QUEUE_URL',
  /** `stream` (AWS: the positions table's stream drives the events function) or `in-process` (local, the default). */
  eventSource: 'EVENT_SOURCE',
  positionRetentionDays: 'POSITION_RETENTION_DAYS',
  /** ENVIRONMENTS[env].trackers: when a vehicle counts as offline, and nearby's default maxAge. */
  offlineAfterMinutes: 'OFFLINE_AFTER_MINUTES',
  nearbyMaxAgeMinutes: 'NEARBY_MAX_AGE_MINUTES',
  /** ENVIRONMENTS[env].trackers.positionFilter as JSON: the position filter of fleets that do not override it. */
  positionFilterDefaults: 'POSITION_FILTER_DEFAULTS',
  /** Local only: DynamoDB endpoint override (dynalite). */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** `redis://` or `rediss://` URL without credentials (local); unset runs without the cache. */
  redisUrl: 'REDIS_URL',
  /** Secrets Manager secret (name or ARN) holding the `rediss://` URL, in AWS instead of REDIS_URL. */
  redisEndpointSecretId: 'REDIS_ENDPOINT_SECRET_ID',
  /** Secrets Manager secret (name or ARN) holding the Redis AUTH token (never the token itself). */
  redisAuthSecretId: 'REDIS_AUTH_SECRET_ID',
  /** The live map: seconds between polls, and its base map (a raster tile URL template, or a MapLibre style URL). */
  mapPollIntervalSeconds: 'MAP_POLL_INTERVAL_SECONDS',
  mapTileUrl: 'MAP_TILE_URL',
  mapTileAttribution: 'MAP_TILE_ATTRIBUTION',
  mapStyleUrl: 'MAP_STYLE_URL',
  /** Comma-separated origins allowed by CORS (ENVIRONMENTS[env].api.corsOrigins); unset: none. */
  corsOrigins: 'CORS_ORIGINS',
  /** Comma-separated API keys the app accepts in `x-api-key`; unset means no app-level check. */
  apiKeys: 'API_KEYS',
  /** Secrets Manager secret (name or ARN) holding the API keys, as a JSON array of strings. */
  apiKeysSecretId: 'API_KEYS_SECRET_ID',
  /** Local only: a data set's own part of the Redis key prefix, so dev servers sharing a Redis keep apart. */
  cacheNamespace: 'CACHE_NAMESPACE',
  /** Local only: Secrets Manager endpoint override (tests). */
  secretsManagerEndpoint: 'SECRETS_MANAGER_ENDPOINT',
  logLevel: 'LOG_LEVEL',
} as const;
