import * as crypto from 'crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'net';
import pino from 'pino';
import { buildApp } from '../../functions/api/app';
import type { ApiConfig } from '../../functions/api/config';
import { Services, createServices } from '../../functions/api/services';
import { FaultyDynamoProxy, startFaultyDynamoProxy } from '../../functions/local/faults/faulty-dynamo-proxy';
import { TcpProxy } from '../../functions/local/faults/tcp-proxy';
import { ThrowawayRedis } from '../../functions/local/faults/throwaway-redis';
import { localApiConfig } from '../../functions/local/api-config';
import { LocalDynamo, startLocalDynamo } from '../../functions/local/local-dynamodb';
import { ensureTables } from '../../functions/local/tables';

/** One instance of the API over real HTTP, as the dev server runs it. */
export interface Instance {
  readonly baseUrl: string;
  readonly app: FastifyInstance;
  readonly services: Services;
}

/**
 * What a chaos scenario runs against, all on this machine: a local DynamoDB (dynalite by default, or
 * AWS's DynamoDB Local: see `startDatabase`) behind a fault-injecting hop,
 * a redis-server of its own behind a TCP hop that can be cut, and two API instances of one
 * deployment (A reaches Redis through the hop, B directly), each listening on a loopback port.
 */
export interface Harness {
  readonly a: Instance;
  readonly b: Instance;
  readonly redis: ThrowawayRedis;
  readonly link: TcpProxy;
  readonly dynamo: FaultyDynamoProxy;
  close(): Promise<void>;
}

async function listen(config: ApiConfig): Promise<Instance> {
  const services = createServices(config, { log: pino({ level: 'silent' }) });
  await services.cache.waitUntilReady(2000);
  const app = buildApp({ config, services });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, services, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** Starts the DynamoDB a harness uses; its `close` is called when the harness closes. */
export type StartDatabase = () => Promise<LocalDynamo>;

export async function startHarness(startDatabase: StartDatabase = startLocalDynamo): Promise<Harness> {
  const local: LocalDynamo = await startDatabase();
  const dynamo = await startFaultyDynamoProxy(local.endpoint);
  const environment = `chaos${crypto.randomBytes(3).toString('hex')}`;
  const client = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(client, environment);
  client.destroy();
  const redis = await ThrowawayRedis.start();
  const link = await TcpProxy.start(redis.port);
  const config = localApiConfig({ environment, dynamodbEndpoint: dynamo.endpoint, redisUrl: link.url });
  const a = await listen(config);
  const b = await listen({ ...config, redisUrl: redis.url });
  return {
    a,
    b,
    redis,
    link,
    dynamo,
    async close() {
      for (const instance of [a, b]) {
        await instance.app.close();
        await instance.services.close();
      }
      await link.cut();
      await redis.stop();
      await dynamo.close();
      await local.close();
    },
  };
}
