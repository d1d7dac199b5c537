import type { AddressInfo } from 'net';
import * as os from 'os';
import pino from 'pino';
import { startDevEnvironment } from '../local/dev-environment';
import { seedDemoFleet } from '../local/demo-fleet';
import { devLogDestination } from '../local/pretty-log';
import { buildApp } from './app';
import { createServices } from './services';
import { StatusSweep } from './services/status-sweep';

/**
 * Local dev server: the same app as in Lambda, on an embedded DynamoDB and local Redis.
 * PORT (default 3000), HOST (default 127.0.0.1; 0.0.0.0 for phones on the same network),
 * SEED_DEMO=0 to start without the demo fleet.
 */
async function main(): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }, devLogDestination());
  const dev = await startDevEnvironment(process.env, log);
  const services = createServices(dev.config, { log });
  if (await services.cache.waitUntilReady(1000)) await services.cache.clearAll();
  if (process.env.SEED_DEMO !== '0') {
    const seeded = await seedDemoFleet(services);
    if (seeded) log.info({ vehicles: seeded }, 'Seeded the demo fleet (SEED_DEMO=0 to skip)');
  }
  const app = buildApp({ config: dev.config, services, logger: log });
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen({ port, host });
  const listening = (app.server.address() as AddressInfo).port;
  for (const url of reachableUrls(host, listening)) log.info(`API at ${url} (docs: ${url}/docs; Traccar Client server URL: ${url}/osmand)`);
  if (host === '127.0.0.1' || host === 'localhost') log.info('Only this machine can reach it; HOST=0.0.0.0 lets phones on the same network report');
  if (dev.config.apiKeys.length === 0) log.info('API_KEYS is not set: the local API accepts requests without x-api-key');

  // What the status function does every minute in AWS: deviceOffline / deviceOnline.
  const sweep = new StatusSweep(services.vehicles, services.events, dev.config.offlineAfterMinutes * 60_000, log);
  const sweeping = setInterval(() => void sweep.run().catch((error: Error) => log.error({ err: error }, 'status sweep failed')), 60_000);
  sweeping.unref();

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeping);
    await app.close();
    // An in-memory data set is gone with this process: so are its cache entries.
    if (dev.inMemory) await services.cache.clearAll().catch(() => undefined);
    await services.close();
    await dev.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  // Started by npm and npm was killed outright: do not outlive it (and hold the port).
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stop(), 1000).unref();
}

/** The URLs this server answers at: loopback, or every IPv4 address of this machine when bound to all. */
function reachableUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
  return [`http://127.0.0.1:${port}`, ...addresses.map((address) => `http://${address}:${port}`)];
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
