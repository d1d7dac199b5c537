import { startChild } from './child';
import { expectStatus, request } from './http-client';
import { API_KEY } from './lambda-invoke';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, nowMs, percentile, summarize } from './stats';

const ENVIRONMENT = 'benchlatency';
const VEHICLE = 'bench-latency';
const RATES = [200, 500];
const WINDOW_MS = 2000;
const RUNS = 3;

/**
 * Open loop: requests leave on a timer whatever the answers do, as independent users send them, so a
 * slow server queues work instead of slowing the generator down. Latency runs from each request's send.
 */
async function openLoop(rate: number, send: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const total = Math.round((rate * WINDOW_MS) / 1000);
  const start = nowMs();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      while (sent < total && start + (sent * 1000) / rate <= nowMs()) {
        sent++;
        const issued = nowMs();
        inflight.push(send().then(() => void latencies.push(nowMs() - issued)));
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inflight);
  return latencies;
}

/** p50 and p99 of latest-position reads over HTTP at fixed offered rates, vs bare Fastify + HGET. */
export async function benchLatency(stack: Stack): Promise<Measurement[]> {
  await stack.tables(ENVIRONMENT);
  const env = { BENCH_ENV: ENVIRONMENT, DYNAMODB_ENDPOINT: stack.dynamoEndpoint, REDIS_URL: stack.redis.url, API_KEYS: API_KEY };
  const [ours, bare] = await Promise.all([startChild('server-child.ts', env, ['ours']), startChild('server-child.ts', env, ['bare'])]);
  try {
    await expectStatus(201, ours.line, 'POST', '/vehicles', { body: { id: VEHICLE, name: 'bench' }, apiKey: API_KEY });
    await expectStatus(200, ours.line, 'POST', `/vehicles/${VEHICLE}/positions`, { body: { lat: 52.37, lon: 4.9, timestamp: Date.now() }, apiKey: API_KEY });
    const hit = await expectStatus(200, ours.line, 'GET', `/vehicles/${VEHICLE}/position`, { apiKey: API_KEY });
    if (hit.headers['x-cache'] !== 'hit') throw new Error(`latest position is not served from Redis (x-cache: ${hit.headers['x-cache']})`);
    await expectStatus(200, bare.line, 'GET', `/vehicles/${VEHICLE}/position`);

    const reader = (baseUrl: string) => async () => {
      const answer = await request(baseUrl, 'GET', `/vehicles/${VEHICLE}/position`, { apiKey: API_KEY });
      if (answer.status !== 200) throw new Error(`latest position over HTTP: ${answer.status}`);
    };
    // Warm-up: JIT and keep-alive sockets on both servers.
    await openLoop(RATES[0], reader(ours.line));
    await openLoop(RATES[0], reader(bare.line));

    const measurements: Measurement[] = [];
    for (const rate of RATES) {
      const p = { ours: [] as number[][], baseline: [] as number[][] };
      await interleaved(
        RUNS,
        async () => (p.ours.push(await openLoop(rate, reader(ours.line))), 0),
        async () => (p.baseline.push(await openLoop(rate, reader(bare.line))), 0),
      );
      for (const q of [50, 99]) {
        measurements.push({
          group: 'latency',
          path: `GET /vehicles/{id}/position over HTTP at ${rate}/s offered: p${q}`,
          unit: 'ms',
          better: 'lower',
          ours: summarize(p.ours.map((samples) => percentile(samples, q))),
          baseline: summarize(p.baseline.map((samples) => percentile(samples, q))),
          baselineIs: 'bare Fastify HTTP server doing one ioredis HGET on the same Redis, same rate, own process',
        });
      }
    }
    return measurements;
  } finally {
    await Promise.all([ours.stop(), bare.stop()]);
  }
}
