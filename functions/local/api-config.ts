import { WEBHOOK_RETRY_DELAYS_SECONDS } from '../../config/delivery';
import { MAP_DEFAULTS } from '../../config/map';
import { tableName } from '../../config/names';
import { TRACKER_DEFAULTS } from '../../config/trackers';
import type { ApiConfig } from '../api/config';

/** The API's config for an environment whose tables live in a local DynamoDB (tests, chaos runs). */
export function localApiConfig(options: {
  environment: string;
  dynamodbEndpoint: string;
  redisUrl?: string;
  positionRetentionDays?: number;
  apiKeys?: readonly string[];
  /** Default in-process (the dev server evaluates events itself); `stream` as the API function in AWS. */
  eventSource?: 'stream' | 'in-process';
  corsOrigins?: readonly string[];
  mapPollIntervalSeconds?: number;
  /** A MapLibre style for the map's base (as MAP_STYLE_URL); default: the raster tiles. */
  mapStyleUrl?: string;
  /** Default TRACKER_DEFAULTS'; fractions of a minute only in tests (the environment variable takes whole minutes). */
  offlineAfterMinutes?: number;
  /** Default: config/delivery.ts's schedule. */
  webhookRetryDelaysSeconds?: readonly number[];
}): ApiConfig {
  const { environment } = options;
  return {
    environment,
    region: 'us-east-1',
    vehiclesTable: tableName(environment, 'vehicles'),
    positionsTable: tableName(environment, 'positions'),
    devicesTable: tableName(environment, 'devices'),
    fleetsTable: tableName(environment, 'fleets'),
    geofencesTable: tableName(environment, 'geofences'),
    eventsTable: tableName(environment, 'events'),
    webhooksTable: tableName(environment, 'webhooks'),
    // Local receivers listen on this machine.
    webhookAllowPrivateTargets: true,
    webhookRetryDelaysSeconds: options.webhookRetryDelaysSeconds ?? WEBHOOK_RETRY_DELAYS_SECONDS,
    eventSource: options.eventSource ?? 'in-process',
    positionRetentionDays: options.positionRetentionDays ?? 30,
    offlineAfterMinutes: options.offlineAfterMinutes ?? TRACKER_DEFAULTS.offlineAfterMinutes,
    nearbyMaxAgeMinutes: TRACKER_DEFAULTS.nearbyMaxAgeMinutes,
    positionFilterDefaults: TRACKER_DEFAULTS.positionFilter,
    dynamodbEndpoint: options.dynamodbEndpoint,
    redisUrl: options.redisUrl,
    apiKeys: options.apiKeys ?? [],
    corsOrigins: options.corsOrigins ?? [],
    map: { ...MAP_DEFAULTS, pollIntervalSeconds: options.mapPollIntervalSeconds ?? MAP_DEFAULTS.pollIntervalSeconds, styleUrl: options.mapStyleUrl },
  };
}
