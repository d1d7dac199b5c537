import { RUNTIME_ENV } from '../../config/runtime-env';
import { corsOriginProblem } from '../../config/cors';
import { WEBHOOK_RETRY_DELAYS_SECONDS } from '../../config/delivery';
import { MAP_DEFAULTS, MapPageSettings } from '../../config/map';
import { PositionFilterSettings, TRACKER_DEFAULTS, positionFilterProblems } from '../../config/trackers';

/** What the API needs to run, read from environment variables set by module.api_services or the dev server. */
export interface ApiConfig {
  readonly environment: string;
  readonly region: string;
  readonly vehiclesTable: string;
  readonly positionsTable: string;
  readonly devicesTable: string;
  readonly fleetsTable: string;
  readonly geofencesTable: string;
  readonly eventsTable: string;
  readonly webhooksTable: string;
  /** Local only: webhooks may target localhost and private addresses. */
  readonly webhookAllowPrivateTargets: boolean;
  /** Seconds between webhook attempts; after the last, a delivery is dead-lettered. */
  readonly webhookRetryDelaysSeconds: readonly number[];
  /** Who evaluates events for stored fixes: the events function, from the table's stream (AWS), or this process (local). */
  readonly eventSource: 'stream' | 'in-process';
  /** Positions older than this are rejected and expire from history (DynamoDB TTL). */
  readonly positionRetentionDays: number;
  /** A vehicle whose newest fix arrived longer ago is offline. */
  readonly offlineAfterMinutes: number;
  /** Nearby's default maxAge. */
  readonly nearbyMaxAgeMinutes: number;
  /** The position filter of fleets that do not override it. */
  readonly positionFilterDefaults: PositionFilterSettings;
  /** Local DynamoDB (dynalite) endpoint; unset in AWS. */
  readonly dynamodbEndpoint?: string;
  /** Unset: the API runs without the cache. */
  readonly redisUrl?: string;
  /** Local data sets only: see cacheKeyPrefix. */
  readonly cacheNamespace?: string;
  /** Secret holding the `rediss://` URL (AWS), used when `redisUrl` is unset. */
  readonly redisEndpointSecretId?: string;
  readonly redisAuthSecretId?: string;
  /** What the live map page is told (config/map.ts, MAP_* variables). */
  readonly map: MapPageSettings;
  /** Browser origins allowed by CORS; none: no CORS headers, preflights are 404. */
  readonly corsOrigins: readonly string[];
  /** Inline API keys (local); in AWS they come from the secret. */
  readonly apiKeys: readonly string[];
  readonly apiKeysSecretId?: string;
  /** Local Secrets Manager endpoint (tests); unset in AWS. */
  readonly secretsManagerEndpoint?: string;
}

export class ConfigError extends Error {}

function eventSource(value: string | undefined): 'stream' | 'in-process' {
  if (value === undefined || value === '' || value === 'in-process') return 'in-process';
  if (value === 'stream') return 'stream';
  throw new ConfigError(`${RUNTIME_ENV.eventSource} must be stream or in-process`);
}

/** The environment's position filter: the JSON module.api_services writes, each field optional over TRACKER_DEFAULTS. */
function positionFilterDefaults(json: string | undefined): PositionFilterSettings {
  if (!json) return TRACKER_DEFAULTS.positionFilter;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(`${RUNTIME_ENV.positionFilterDefaults} must be a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${RUNTIME_ENV.positionFilterDefaults} must be a JSON object`);
  const settings = { ...TRACKER_DEFAULTS.positionFilter, ...(parsed as Partial<PositionFilterSettings>) };
  const problems = positionFilterProblems(settings);
  if (problems.length) throw new ConfigError(`${RUNTIME_ENV.positionFilterDefaults}: ${problems.map(({ field, message }) => `${field} ${message}`).join('; ')}`);
  return settings;
}

function mapSettings(env: NodeJS.ProcessEnv): MapPageSettings {
  const poll = Number(env[RUNTIME_ENV.mapPollIntervalSeconds] ?? MAP_DEFAULTS.pollIntervalSeconds);
  if (!Number.isFinite(poll) || poll < 1 || poll > 300) throw new ConfigError(`${RUNTIME_ENV.mapPollIntervalSeconds} must be 1-300 seconds`);
  const url = (name: string, value: string | undefined) => {
    if (value === undefined || value === '') return undefined;
    if (!/^https:\/\/[^/]+\//.test(value)) throw new ConfigError(`${name} must be an https URL`);
    return value;
  };
  return {
    pollIntervalSeconds: poll,
    tileUrl: url(RUNTIME_ENV.mapTileUrl, env[RUNTIME_ENV.mapTileUrl]) ?? MAP_DEFAULTS.tileUrl,
    tileAttribution: env[RUNTIME_ENV.mapTileAttribution] || MAP_DEFAULTS.tileAttribution,
    styleUrl: url(RUNTIME_ENV.mapStyleUrl, env[RUNTIME_ENV.mapStyleUrl]),
    movingAboveKmh: MAP_DEFAULTS.movingAboveKmh,
    maxPagesPerPoll: MAP_DEFAULTS.maxPagesPerPoll,
  };
}

function corsOrigins(value: string | undefined): readonly string[] {
  const origins = (value ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  const problems = origins.map(corsOriginProblem).filter(Boolean);
  if (problems.length) throw new ConfigError(`${RUNTIME_ENV.corsOrigins}: ${problems.join('; ')}`);
  return origins;
}

function retryDelays(value: string | undefined): readonly number[] {
  if (value === undefined || value === '') return WEBHOOK_RETRY_DELAYS_SECONDS;
  const delays = value.split(',').map((part) => Number(part.trim()));
  if (delays.some((delay) => !Number.isFinite(delay) || delay < 0 || delay > 900)) {
    throw new ConfigError(`${RUNTIME_ENV.webhookRetryDelaysSeconds} must be comma-separated seconds, each 0-900`);
  }
  return delays;
}

export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError(`Environment variable ${name} is required`);
    return value;
  };
  const retention = Number(env[RUNTIME_ENV.positionRetentionDays] ?? 30);
  if (!Number.isInteger(retention) || retention < 1) {
    throw new ConfigError(`${RUNTIME_ENV.positionRetentionDays} must be a whole number of days >= 1`);
  }
  const wholeNumber = (name: string, fallback: number): number => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number >= 1`);
    return value;
  };
  return {
    environment: required(RUNTIME_ENV.environment),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    vehiclesTable: required(RUNTIME_ENV.vehiclesTable),
    positionsTable: required(RUNTIME_ENV.positionsTable),
    devicesTable: required(RUNTIME_ENV.devicesTable),
    fleetsTable: required(RUNTIME_ENV.fleetsTable),
    geofencesTable: required(RUNTIME_ENV.geofencesTable),
    eventsTable: required(RUNTIME_ENV.eventsTable),
    webhooksTable: required(RUNTIME_ENV.webhooksTable),
    webhookAllowPrivateTargets: env[RUNTIME_ENV.webhookAllowPrivateTargets] === 'true',
    webhookRetryDelaysSeconds: retryDelays(env[RUNTIME_ENV.webhookRetryDelaysSeconds]),
    eventSource: eventSource(env[RUNTIME_ENV.eventSource]),
    positionRetentionDays: retention,
    offlineAfterMinutes: wholeNumber(RUNTIME_ENV.offlineAfterMinutes, TRACKER_DEFAULTS.offlineAfterMinutes),
    nearbyMaxAgeMinutes: wholeNumber(RUNTIME_ENV.nearbyMaxAgeMinutes, TRACKER_DEFAULTS.nearbyMaxAgeMinutes),
    positionFilterDefaults: positionFilterDefaults(env[RUNTIME_ENV.positionFilterDefaults]),
    dynamodbEndpoint: env[RUNTIME_ENV.dynamodbEndpoint] || undefined,
    redisUrl: env[RUNTIME_ENV.redisUrl] || undefined,
    cacheNamespace: env[RUNTIME_ENV.cacheNamespace] || undefined,
    redisEndpointSecretId: env[RUNTIME_ENV.redisEndpointSecretId] || undefined,
    redisAuthSecretId: env[RUNTIME_ENV.redisAuthSecretId] || undefined,
    corsOrigins: corsOrigins(env[RUNTIME_ENV.corsOrigins]),
    map: mapSettings(env),
    apiKeys: (env[RUNTIME_ENV.apiKeys] ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    apiKeysSecretId: env[RUNTIME_ENV.apiKeysSecretId] || undefined,
    secretsManagerEndpoint: env[RUNTIME_ENV.secretsManagerEndpoint] || undefined,
  };
}
