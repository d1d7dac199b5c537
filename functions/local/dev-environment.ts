import * as crypto from 'crypto';
import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyBaseLogger } from 'fastify';
import { tableName } from '../../config/names';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { ApiConfig, loadConfig } from '../api/config';
import { LocalDynamo, startLocalDynamo } from './local-dynamodb';
import { ensureTables } from './tables';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VehicleStore } from '../api/services/vehicle-store';
import { answersTcp } from './tcp';

export const LOCAL_ENVIRONMENT = 'local';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface DevEnvironment {
  readonly config: ApiConfig;
  /** The data set lives in memory only: its cache entries can go with it. */
  readonly inMemory: boolean;
  close(): Promise<void>;
}

/**
 * The data set's own Redis namespace: the same for a DEV_DATA_DIR, or a DYNAMODB_ENDPOINT, across
 * restarts (and for every server on it), a fresh one for each in-memory run. Two dev servers on one
 * Redis (the default one is shared by every project on the machine) then never read, or clear,
 * each other's entries.
 */
function cacheNamespace(dataSet: string | undefined): string {
  return dataSet ? `d${crypto.createHash('sha256').update(dataSet).digest('hex').slice(0, 10)}` : `m${crypto.randomBytes(5).toString('hex')}`;
}

/**
 * What the dev server runs on: an embedded DynamoDB (dynalite; in memory, or persisted in
 * DEV_DATA_DIR) with tables from the same definitions as module.database, and Redis from REDIS_URL
 * when one answers. Explicit DYNAMODB_ENDPOINT / table variables are respected.
 */
export async function startDevEnvironment(env: NodeJS.ProcessEnv, log: FastifyBaseLogger): Promise<DevEnvironment> {
  const environment = env[RUNTIME_ENV.environment] ?? LOCAL_ENVIRONMENT;
  let dynamo: LocalDynamo | undefined;
  let endpoint = env[RUNTIME_ENV.dynamodbEndpoint];
  const dataDir = env.DEV_DATA_DIR ? path.resolve(env.DEV_DATA_DIR) : undefined;
  if (!endpoint) {
    dynamo = await startLocalDynamo({ path: dataDir });
    endpoint = dynamo.endpoint;
    log.info({ endpoint, persistedIn: dataDir ?? '(memory)' }, 'Embedded DynamoDB (dynalite) started');
  }
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const addedIndexes = await ensureTables(client, environment);
  if (addedIndexes.length > 0) {
    // A data set kept from an earlier release: what npm run backfill-geo-tiles does in AWS, here at once.
    const vehicles = new VehicleStore(DynamoDBDocumentClient.from(client), env[RUNTIME_ENV.vehiclesTable] ?? tableName(environment, 'vehicles'));
    const filled = await vehicles.fillMissingGeoTiles();
    log.info({ indexes: addedIndexes, vehiclesUpdated: filled }, 'Added the indexes this release defines to the kept data set');
  }
  client.destroy();

  // Unset: the usual local Redis. Set but empty: none, on purpose.
  const redisUrl = env[RUNTIME_ENV.redisUrl] ?? DEFAULT_REDIS_URL;
  const redisAnswers = redisUrl !== '' && (await redisAnswersAt(redisUrl));
  if (!redisAnswers) {
    log.warn(
      `${redisUrl === '' ? 'REDIS_URL is empty' : `No Redis answers at ${redisUrl}`}: running WITHOUT the cache (everything is served from DynamoDB). ` +
        'Start redis-server or set REDIS_URL to use it.',
    );
  }
  const external = env[RUNTIME_ENV.dynamodbEndpoint];
  const namespace = env[RUNTIME_ENV.cacheNamespace] || cacheNamespace(external ? `${external}|${environment}` : dataDir);
  const config = loadConfig({
    ...env,
    [RUNTIME_ENV.environment]: environment,
    [RUNTIME_ENV.vehiclesTable]: env[RUNTIME_ENV.vehiclesTable] ?? tableName(environment, 'vehicles'),
    [RUNTIME_ENV.positionsTable]: env[RUNTIME_ENV.positionsTable] ?? tableName(environment, 'positions'),
    [RUNTIME_ENV.devicesTable]: env[RUNTIME_ENV.devicesTable] ?? tableName(environment, 'devices'),
    [RUNTIME_ENV.fleetsTable]: env[RUNTIME_ENV.fleetsTable] ?? tableName(environment, 'fleets'),
    [RUNTIME_ENV.geofencesTable]: env[RUNTIME_ENV.geofencesTable] ?? tableName(environment, 'geofences'),
    [RUNTIME_ENV.eventsTable]: env[RUNTIME_ENV.eventsTable] ?? tableName(environment, 'events'),
    [RUNTIME_ENV.webhooksTable]: env[RUNTIME_ENV.webhooksTable] ?? tableName(environment, 'webhooks'),
    // Receivers on this machine or network are what a developer points webhooks at.
    [RUNTIME_ENV.webhookAllowPrivateTargets]: env[RUNTIME_ENV.webhookAllowPrivateTargets] ?? 'true',
    [RUNTIME_ENV.dynamodbEndpoint]: endpoint,
    [RUNTIME_ENV.redisUrl]: redisAnswers ? redisUrl : '',
    [RUNTIME_ENV.cacheNamespace]: namespace,
  });
  return { config, inMemory: !dataDir && !env[RUNTIME_ENV.dynamodbEndpoint], close: async () => dynamo?.close() };
}

async function redisAnswersAt(url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL is not a URL: "${url}" (expected redis://host:port, or empty for no cache)`);
  }
  return answersTcp(parsed.hostname, Number(parsed.port || 6379));
}
