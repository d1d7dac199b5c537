import * as crypto from 'crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildApp } from '../../functions/api/app';
import type { ApiConfig } from '../../functions/api/config';
import { Services, createServices } from '../../functions/api/services';
import type { LocalDynamo } from '../../functions/local/local-dynamodb';
import { startTestDynamo } from './dynamo';
import { ensureTables } from '../../functions/local/tables';
import { localApiConfig } from '../../functions/local/api-config';
import { FaultyDynamoProxy, startFaultyDynamoProxy } from '../../functions/local/faults/faulty-dynamo-proxy';
import { cacheKeyPrefix } from '../../config/names';
import { cacheKeys } from '../../functions/api/services/position-cache';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly config: ApiConfig;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Redis URL, or undefined to run without the cache. */
  readonly redisUrl?: string;
  readonly apiKeys?: string[];
  /** Talk to DynamoDB through this endpoint instead (e.g. a fault-injecting proxy). */
  readonly dynamodbEndpoint?: (dynalite: string) => Promise<string>;
  readonly retentionDays?: number;
  /** A second instance of the same deployment: the other app's database and environment (its tables, its cache keys). */
  readonly shareWith?: TestApp;
  /** With shareWith: serve this vehicles table instead (as after a point-in-time restore). */
  readonly vehiclesTable?: string;
  /**
   * `stream`: as the API function in AWS, this instance evaluates no events (the events function
   * does, from the table's stream): what a request costs, counted on the wire, is the request's own.
   */
  readonly eventSource?: 'stream' | 'in-process';
  /** The live map's poll interval (default config/map.ts's). */
  readonly mapPollIntervalSeconds?: number;
  /** The map's MAP_STYLE_URL (default none: raster tiles). */
  readonly mapStyleUrl?: string;
  /** When a vehicle counts as offline, in minutes (fractions allowed here, for browser tests). */
  readonly offlineAfterMinutes?: number;
  /** Browser origins allowed by CORS (default none). */
  readonly corsOrigins?: readonly string[];
  /** Seconds between webhook attempts (default: config/delivery.ts's schedule, minutes long). */
  readonly webhookRetryDelaysSeconds?: readonly number[];
}

/** The real app on a fresh in-process dynalite with tables from config/tables.ts, and real Redis. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  if (options.shareWith) return startSecondInstance(options.shareWith, options);
  const dynamo: LocalDynamo = await startTestDynamo();
  const environment = `t${crypto.randomBytes(4).toString('hex')}`;
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(client, environment);
  client.destroy();
  const config = localApiConfig({
    environment,
    dynamodbEndpoint: options.dynamodbEndpoint ? await options.dynamodbEndpoint(dynamo.endpoint) : dynamo.endpoint,
    redisUrl: options.redisUrl,
    positionRetentionDays: options.retentionDays,
    apiKeys: options.apiKeys,
    eventSource: options.eventSource,
    webhookRetryDelaysSeconds: options.webhookRetryDelaysSeconds,
    corsOrigins: options.corsOrigins,
    mapPollIntervalSeconds: options.mapPollIntervalSeconds,
    mapStyleUrl: options.mapStyleUrl,
    offlineAfterMinutes: options.offlineAfterMinutes,
  });
  return startInstance(config, () => dynamo.close());
}

/** A second instance of the same deployment: same tables and cache keys, its own Redis URL. */
function startSecondInstance(first: TestApp, options: TestAppOptions): Promise<TestApp> {
  const vehiclesTable = options.vehiclesTable ?? first.config.vehiclesTable;
  return startInstance({ ...first.config, redisUrl: options.redisUrl, vehiclesTable }, async () => undefined);
}

async function startInstance(config: ApiConfig, afterClose: () => Promise<void>): Promise<TestApp> {
  const services = createServices(config, { log: pino({ level: 'silent' }) });
  await services.cache.waitUntilReady(2000);
  const app = buildApp({ config, services });
  await app.ready();
  return {
    app,
    services,
    config,
    async close() {
      await app.close();
      await services.close();
      await afterClose();
    },
  };
}

/**
 * The app with its DynamoDB requests passing through a fault-injecting hop (see FaultyDynamoProxy);
 * closing the app closes the hop too. As the API function in AWS, it evaluates no events (unless
 * asked): the faults and the operations counted are the request's own.
 */
export type FaultyTestApp = TestApp & { readonly proxy: FaultyDynamoProxy };

export async function startTestAppBehindFaultyProxy(options: TestAppOptions = {}): Promise<FaultyTestApp> {
  let proxy!: FaultyDynamoProxy;
  const t = await startTestApp({
    eventSource: 'stream',
    ...options,
    dynamodbEndpoint: async (dynalite) => {
      proxy = await startFaultyDynamoProxy(dynalite);
      return proxy.endpoint;
    },
  });
  return {
    ...t,
    proxy,
    async close() {
      await t.close();
      await proxy.close();
    },
  };
}

/** The Redis keys an app uses (its environment and vehicles table). */
export const cacheKeysOf = (t: TestApp) => cacheKeys(cacheKeyPrefix(t.config.environment, t.config.vehiclesTable, t.config.cacheNamespace));

/** A vehicle registered through the API. */
export async function createVehicle(app: FastifyInstance, body: Record<string, unknown> = {}): Promise<{ id: string }> {
  const response = await app.inject({ method: 'POST', url: '/vehicles', payload: { name: 'Test vehicle', ...body } });
  if (response.statusCode !== 201) throw new Error(`create vehicle: ${response.statusCode} ${response.body}`);
  return response.json();
}

export const iso = (ms: number) => new Date(ms).toISOString();
