import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyBaseLogger } from 'fastify';
import { tableName } from '../../config/names';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { ApiConfig, loadConfig } from '../api/config';
import { LocalDynamo, startLocalDynamo } from './local-dynamodb';
import { ensureTables } from './tables';
import { answersTcp } from './tcp';

export const LOCAL_ENVIRONMENT = 'local';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface DevEnvironment {
  readonly config: ApiConfig;
  close(): Promise<void>;
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
  if (!endpoint) {
    const dataDir = env.DEV_DATA_DIR ? path.resolve(env.DEV_DATA_DIR) : undefined;
    dynamo = await startLocalDynamo({ path: dataDir });
    endpoint = dynamo.endpoint;
    log.info({ endpoint, persistedIn: dataDir ?? '(memory)' }, 'Embedded DynamoDB (dynalite) started');
  }
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(client, environment);
  client.destroy();

  const redisUrl = env[RUNTIME_ENV.redisUrl] ?? DEFAULT_REDIS_URL;
  const { hostname, port } = new URL(redisUrl);
  const redisAnswers = await answersTcp(hostname, Number(port || 6379));
  if (!redisAnswers) {
    log.warn(
      `No Redis answers at ${redisUrl}: running WITHOUT the cache (everything is served from DynamoDB). ` +
        'Start redis-server or set REDIS_URL to use it.',
    );
  }
  const config = loadConfig({
    ...env,
    [RUNTIME_ENV.environment]: environment,
    [RUNTIME_ENV.vehiclesTable]: env[RUNTIME_ENV.vehiclesTable] ?? tableName(environment, 'vehicles'),
    [RUNTIME_ENV.positionsTable]: env[RUNTIME_ENV.positionsTable] ?? tableName(environment, 'positions'),
    [RUNTIME_ENV.devicesTable]: env[RUNTIME_ENV.devicesTable] ?? tableName(environment, 'devices'),
    [RUNTIME_ENV.dynamodbEndpoint]: endpoint,
    [RUNTIME_ENV.redisUrl]: redisAnswers ? redisUrl : '',
  });
  return { config, close: async () => dynamo?.close() };
}
