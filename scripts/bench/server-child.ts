import type { AddressInfo } from 'net';
import Redis from 'ioredis';
import pino from 'pino';
import { cacheKeyPrefix, tableName } from '../../config/names';
import { buildApp } from '../../functions/api/app';
import { createServices } from '../../functions/api/services';
import { localApiConfig } from '../../functions/local/api-config';
import { bareApp } from './bare-app';

/**
 * One HTTP server in its own process, printing its base URL: `ours` (the API as the dev server and
 * npm run chaos run it) or `bare` (Fastify + one HGET). BENCH_ENV, DYNAMODB_ENDPOINT, REDIS_URL
 * (unset: our API without the cache, the fallback path), API_KEYS, MAP_POLL_INTERVAL_SECONDS.
 */
async function main(): Promise<void> {
  const kind = process.argv[2];
  const environment = process.env.BENCH_ENV!;
  const redisUrl = process.env.REDIS_URL || undefined;
  let app;
  if (kind === 'ours') {
    const config = localApiConfig({
      environment,
      dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT!,
      redisUrl,
      apiKeys: (process.env.API_KEYS ?? '').split(',').filter(Boolean),
      mapPollIntervalSeconds: Number(process.env.MAP_POLL_INTERVAL_SECONDS) || undefined,
    });
    const services = createServices(config, { log: pino({ level: 'silent' }) });
    await services.cache.waitUntilReady(2000);
    app = buildApp({ config, services });
  } else if (kind === 'bare') {
    app = bareApp(new Redis(redisUrl!, { maxRetriesPerRequest: 0 }), cacheKeyPrefix(environment, tableName(environment, 'vehicles')));
  } else {
    throw new Error(`server-child: unknown kind ${kind}`);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
