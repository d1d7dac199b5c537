import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext, restApiEvent } from '../../__tests__/helpers/api-gateway-event';
import { lambdaEnvironment } from '../../__tests__/helpers/lambda-env';
import { cacheKeyPrefix, tableName } from '../../config/names';
import type { BuiltBundle } from './bundle';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, summarize, throughput } from './stats';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export const API_KEY = 'bench-key';
const STAGE = 'live';
const VEHICLE = 'bench-hot';
const WINDOW_MS = 700;
const RUNS = 5;

/**
 * Loads a bundle as Lambda does: module init runs at require, with the function's variables set.
 * They are put back afterwards: later children (npm run synth) must not inherit ENVIRONMENT.
 */
function load(bundle: BuiltBundle, env: Record<string, string>): Handler {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return (require(bundle.file) as { handler: Handler }).handler;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function invoke(handler: Handler, method: string, path: string, body?: unknown): Promise<APIGatewayProxyResult> {
  return handler(restApiEvent({ method, path, stage: STAGE, headers: { 'x-api-key': API_KEY }, body }), lambdaContext());
}

function expect(result: APIGatewayProxyResult, status: number, what: string): void {
  if (result.statusCode !== status) throw new Error(`${what}: ${result.statusCode} ${result.body}`);
}

/** Invocations per second of one event, back to back in this process (a warm container). */
async function opsPerSecond(handler: Handler, event: APIGatewayProxyEvent, status: number): Promise<number> {
  const context = lambdaContext();
  return throughput(WINDOW_MS, 1, async () => {
    const result = await handler(event, context);
    if (result.statusCode !== status) throw new Error(`hot invocation: ${result.statusCode} ${result.body}`);
    // The Lambda runtime turns the event loop between invocations. A bare `await` loop would not:
    // Fastify's setImmediate work piles up, the heap grows ~10 KB per call and ops/s collapse.
    await new Promise(setImmediate);
  });
}

/** Hot /health and latest-position invocations of the deployed bundle vs bare Fastify bundles. */
export async function benchHot(stack: Stack, bundles: { ours: BuiltBundle; bare: BuiltBundle; bareRedis: BuiltBundle }): Promise<Measurement[]> {
  const environment = 'benchlambda';
  const env = {
    ...(await lambdaEnvironment(environment, stack.dynamoEndpoint)),
    REDIS_URL: stack.redis.url,
    API_KEYS: API_KEY,
    AWS_REGION: 'us-east-1',
    BENCH_KEY_PREFIX: cacheKeyPrefix(environment, tableName(environment, 'vehicles')),
  };
  const ours = load(bundles.ours, env);
  const bare = load(bundles.bare, env);
  const bareRedis = load(bundles.bareRedis, env);

  expect(await invoke(ours, 'POST', '/vehicles', { id: VEHICLE, name: 'bench' }), 201, 'create vehicle');
  expect(await invoke(ours, 'POST', `/vehicles/${VEHICLE}/positions`, { lat: 52.37, lon: 4.9, timestamp: Date.now() }), 200, 'ingest');
  const latest = await invoke(ours, 'GET', `/vehicles/${VEHICLE}/position`);
  expect(latest, 200, 'latest position');
  if (latest.headers?.['x-cache'] !== 'hit') throw new Error(`latest position is not served from Redis (x-cache: ${latest.headers?.['x-cache']})`);
  expect(await invoke(bareRedis, 'GET', `/vehicles/${VEHICLE}/position`), 200, 'baseline HGET');

  const event = (path: string) => restApiEvent({ method: 'GET', path, stage: STAGE, headers: { 'x-api-key': API_KEY } });
  const cases = [
    { path: 'hot Lambda GET /health', ours: [ours, event('/health')], baseline: [bare, event('/health')], is: 'one-route Fastify + @fastify/aws-lambda, same esbuild options' },
    {
      path: 'hot Lambda GET /vehicles/{id}/position (Redis hit)',
      ours: [ours, event(`/vehicles/${VEHICLE}/position`)],
      baseline: [bareRedis, event(`/vehicles/${VEHICLE}/position`)],
      is: 'bare Fastify + @fastify/aws-lambda route doing one ioredis HGET on the same Redis, same esbuild options',
    },
  ] as const;
  const measurements: Measurement[] = [];
  for (const c of cases) {
    // Warm-up: JIT and connection pools, as a container that has served a few requests.
    await opsPerSecond(c.ours[0], c.ours[1], 200);
    await opsPerSecond(c.baseline[0], c.baseline[1], 200);
    const runs = await interleaved(RUNS, () => opsPerSecond(c.ours[0], c.ours[1], 200), () => opsPerSecond(c.baseline[0], c.baseline[1], 200));
    measurements.push({ group: 'hot', path: c.path, unit: 'inv/s', better: 'higher', ours: summarize(runs.ours), baseline: summarize(runs.baseline), baselineIs: c.is });
  }
  return measurements;
}
