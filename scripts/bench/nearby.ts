import Redis from 'ioredis';
import pino from 'pino';
import { cacheKeyPrefix, tableName } from '../../config/names';
import { createServices } from '../../functions/api/services';
import { localApiConfig } from '../../functions/local/api-config';
import { Child, startChild } from './child';
import { expectStatus } from './http-client';
import { API_KEY } from './lambda-invoke';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, nowMs, percentile, summarize } from './stats';

const ENVIRONMENT = 'benchnearby';
const CENTRE = { lat: 52.37, lon: 4.9 };
const RADIUS = 20_000;
const FLEETS = [1_000, 10_000];
const WINDOW_MS = 1000;
const MIN_REQUESTS = 5;
const RUNS = 3;

/** Deterministic, so every run places the same fleet. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Registers vehicles [from, to) and gives each a latest position in a ~50 × 50 km square, through the services. */
async function seed(stack: Stack, from: number, to: number): Promise<void> {
  const services = createServices(localApiConfig({ environment: ENVIRONMENT, dynamodbEndpoint: stack.dynamoEndpoint, redisUrl: stack.redis.url }), {
    log: pino({ level: 'silent' }),
  });
  await services.cache.waitUntilReady(2000);
  try {
    const next = random(from + 1);
    const ids = Array.from({ length: to - from }, (_, i) => `near-${from + i}`);
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      await Promise.all(slice.map((id) => services.registry.register({ id, name: id, type: 'car' })));
      const now = Date.now();
      const items = slice.map((vehicleId, j) => ({
        vehicleId,
        field: `positions[${j}]`,
        input: { lat: CENTRE.lat + (next() - 0.5) * 0.45, lon: CENTRE.lon + (next() - 0.5) * 0.74, timestamp: now - 1000 },
      }));
      const result = await services.ingest.ingest(items);
      if (result.failed.length) throw new Error(`seeding nearby: ${result.failed.length} positions not stored`);
    }
  } finally {
    await services.close();
  }
}

/** p50 of sequential calls for a window (at least MIN_REQUESTS), in ms. */
async function p50(call: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  const deadline = nowMs() + WINDOW_MS;
  while (samples.length < MIN_REQUESTS || nowMs() < deadline) {
    const started = nowMs();
    await call();
    samples.push(nowMs() - started);
  }
  return percentile(samples, 50);
}

const query = `/positions/nearby?lat=${CENTRE.lat}&lon=${CENTRE.lon}&radius=${RADIUS}`;

function nearbyCall(server: Child, expectCache: 'hit' | 'bypass') {
  return async () => {
    const answer = await expectStatus(200, server.line, 'GET', query, { apiKey: API_KEY });
    if (answer.headers['x-cache'] !== expectCache) throw new Error(`nearby answered x-cache: ${answer.headers['x-cache']}, expected ${expectCache}`);
  };
}

/** Asks until the geo index is built and answers (the first search starts a background rebuild). */
async function warm(server: Child): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const answer = await expectStatus(200, server.line, 'GET', query, { apiKey: API_KEY });
    if (answer.headers['x-cache'] === 'hit') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the Redis geo index never became warm');
}

/** The API's geo set, found rather than spelled out here, so a change of key layout cannot break the baseline. */
async function findGeoKey(redis: Redis): Promise<string> {
  const prefix = cacheKeyPrefix(ENVIRONMENT, tableName(ENVIRONMENT, 'vehicles'));
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = (await redis.call('SCAN', cursor, 'MATCH', `${prefix}geo*`, 'TYPE', 'zset', 'COUNT', '1000')) as [string, string[]];
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length !== 1) throw new Error(`expected one geo set under ${prefix}, found ${keys.length}: ${keys.join(', ')}`);
  return keys[0];
}

/** Nearby at 1k and 10k vehicles: the Redis path and the DynamoDB fallback, vs a raw GEOSEARCH. */
export async function benchNearby(stack: Stack): Promise<Measurement[]> {
  await stack.tables(ENVIRONMENT);
  const env = { BENCH_ENV: ENVIRONMENT, DYNAMODB_ENDPOINT: stack.dynamoEndpoint, API_KEYS: API_KEY };
  // Fallback: an instance without Redis, so every search reads DynamoDB's geohash index and no
  // background rebuild (which deleting the ready key would start each time) steals the CPU.
  const [withRedis, fallback] = await Promise.all([
    startChild('server-child.ts', { ...env, REDIS_URL: stack.redis.url }, ['ours']),
    startChild('server-child.ts', { ...env, REDIS_URL: '' }, ['ours']),
  ]);
  const redis = new Redis(stack.redis.url);
  let geoKey = '';
  const geosearch = async () => {
    const members = await redis.geosearch(geoKey, 'FROMLONLAT', CENTRE.lon, CENTRE.lat, 'BYRADIUS', RADIUS, 'm', 'ASC', 'COUNT', 40);
    if (members.length === 0) throw new Error('raw GEOSEARCH found nothing: the geo index is empty');
  };
  const measurements: Measurement[] = [];
  try {
    let seeded = 0;
    for (const fleet of FLEETS) {
      await seed(stack, seeded, fleet);
      seeded = fleet;
      await warm(withRedis);
      geoKey = await findGeoKey(redis);
      const inCircle = (await redis.geosearch(geoKey, 'FROMLONLAT', CENTRE.lon, CENTRE.lat, 'BYRADIUS', RADIUS, 'm')).length;
      const label = `${fleet / 1000}k`;
      const note = `${inCircle} of ${fleet} vehicles lie within the 20 km circle (both paths); the answer is the nearest 20`;
      const baselineIs = 'raw GEOSEARCH … BYRADIUS 20000 m ASC COUNT 40 on the same Redis, from this process';
      const cached = await interleaved(RUNS, () => p50(nearbyCall(withRedis, 'hit')), () => p50(geosearch));
      measurements.push({ group: 'nearby', path: `GET /positions/nearby r=20 km, ${label} vehicles, Redis warm: p50`, unit: 'ms', better: 'lower', ours: summarize(cached.ours), baseline: summarize(cached.baseline), baselineIs, note });
      const database = await interleaved(RUNS, () => p50(nearbyCall(fallback, 'bypass')), () => p50(geosearch));
      measurements.push({ group: 'nearby', path: `GET /positions/nearby r=20 km, ${label} vehicles, fallback (no Redis): p50`, unit: 'ms', better: 'lower', ours: summarize(database.ours), baseline: summarize(database.baseline), baselineIs });
    }
    return measurements;
  } finally {
    redis.disconnect();
    await Promise.all([withRedis.stop(), fallback.stop()]);
  }
}
