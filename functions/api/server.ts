import pino from 'pino';
import { startDevEnvironment } from '../local/dev-environment';
import { seedDemoFleet } from '../local/demo-fleet';
import { buildApp } from './app';
import { createServices } from './services';

/**
 * Local dev server: the same app as in Lambda, on an embedded DynamoDB and local Redis.
 * PORT (default 3000), HOST (default 127.0.0.1), SEED_DEMO=0 to start without the demo fleet.
 */
async function main(): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const dev = await startDevEnvironment(process.env, log);
  const services = createServices(dev.config, { log });
  if (await services.cache.waitUntilReady(1000)) await services.cache.clearAll();
  if (process.env.SEED_DEMO !== '0') {
    const seeded = await seedDemoFleet(services);
    if (seeded) log.info({ vehicles: seeded }, 'Seeded the demo fleet (SEED_DEMO=0 to skip)');
  }
  const app = buildApp({ config: dev.config, services, logger: log });
  const port = Number(process.env.PORT ?? 3000);
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
  if (dev.config.apiKeys.length === 0) log.info('API_KEYS is not set: the local API accepts requests without x-api-key');

  const stop = async () => {
    await app.close();
    await services.close();
    await dev.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
