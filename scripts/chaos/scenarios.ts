import { Harness, StartDatabase, startHarness } from './harness';

/** A fault: applied a third of the way in, healed at two thirds. */
export interface Scenario {
  readonly name: string;
  readonly what: string;
  /** Which instance answers the reads: A (the one that writes) or B (another container). */
  readonly readFrom?: 'a' | 'b';
  inject?(h: Harness): Promise<void> | void;
  heal?(h: Harness): Promise<void> | void;
  /** Extra load during the run (hostile bodies). */
  background?(h: Harness, until: number, report: (latencyMs: number, status: number) => void): Promise<void>;
}

const MB = 1024 * 1024;
const hostileBodies = [
  `[${Array.from({ length: 200_000 }, () => '1').join(',')}]`,
  `[${Array.from({ length: 2_000 }, () => '{"timestamp":true}').join(',')}]`,
  `${'['.repeat(MB / 4)}${']'.repeat(MB / 4)}`,
  `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
];

export const SCENARIOS: readonly Scenario[] = [
  { name: 'baseline', what: 'no fault' },
  {
    name: 'hostile-bodies',
    what: '1 MB hostile bodies alongside the normal load',
    async background(h, until, report) {
      for (let i = 0; Date.now() < until; i++) {
        const started = performance.now();
        const response = await fetch(`${h.a.baseUrl}/positions`, { method: 'POST', body: hostileBodies[i % hostileBodies.length], headers: { 'content-type': 'application/json' } });
        await response.arrayBuffer();
        report(performance.now() - started, response.status);
      }
    },
  },
  { name: 'redis-kill', what: 'redis-server killed, then restarted empty', inject: (h) => h.redis.stop(), heal: (h) => h.redis.resume() },
  { name: 'redis-freeze', what: 'redis-server frozen (SIGSTOP), then thawed', inject: (h) => h.redis.freeze(), heal: (h) => h.redis.thaw() },
  { name: 'redis-partition', what: 'the link to Redis cut, then restored (Redis keeps its data)', inject: (h) => h.link.cut(), heal: (h) => h.link.restore() },
  { name: 'redis-old-snapshot', what: 'Redis restored from a snapshot taken when the fault began', inject: (h) => h.redis.snapshot(), heal: (h) => h.redis.restoreSnapshot() },
  { name: 'two-instances', what: 'reads from instance B while instance A, which writes, is cut off from Redis', readFrom: 'b', inject: (h) => h.link.cut(), heal: (h) => h.link.restore() },
  {
    name: 'dynamo-partial',
    what: 'DynamoDB leaves half the vehicles\' writes unprocessed; clients resend what the 503 lists',
    inject: (h) => {
      h.dynamo.withholdItems = (item) => Number(item.vehicleId?.S?.split('-').pop()) % 2 === 1;
    },
    heal: (h) => {
      h.dynamo.withholdItems = () => false;
    },
  },
];

export interface ScenarioResult {
  readonly scenario: string;
  readonly requests: number;
  readonly acknowledged: number;
  readonly stored: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Latest-position reads older than a position acknowledged before the read began. */
  readonly staleReads: number;
  /** The same, counting only reads that began 2 s or more after the fault was healed. */
  readonly staleAfterHeal: number;
  /** Reads that began 2 s or more after healing: the reader keeps going until it has done some. */
  readonly readsAfterHeal: number;
  /** 4xx answers to the fleet's own writes and reads (there should be none). */
  readonly clientErrors: number;
  readonly maxLatencyMs: number;
  readonly serverErrors: number;
  /** 503s listing unstored positions (expected only while DynamoDB fails). */
  readonly partialFailures: number;
  /** Latest-position reads answered from DynamoDB because the cache could not be trusted. */
  readonly cacheBypasses: number;
}

export interface RunOptions {
  readonly vehicles?: number;
  readonly durationMs?: number;
  readonly intervalMs?: number;
  /** The local DynamoDB to run against (default: a fresh dynalite). */
  readonly startDatabase?: StartDatabase;
}

/**
 * Drives one scenario: vehicles report every interval (each report also resends an earlier fix and
 * sends one out of order, as trackers do), a reader polls latest positions, and the fault comes and
 * goes. Then everything is healed, the clients resend what was reported unstored, and the history
 * in DynamoDB is compared with what was acknowledged.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const vehicles = options.vehicles ?? 10;
  const durationMs = options.durationMs ?? 6_000;
  const intervalMs = options.intervalMs ?? 200;
  const h = await startHarness(options.startDatabase);
  try {
    const ids = Array.from({ length: vehicles }, (_, i) => `chaos-${i}`);
    for (const id of ids) await post(h.a.baseUrl, '/vehicles', { id, name: id, fleetId: 'chaos' });
    const acked = new Map<string, Set<number>>(ids.map((id) => [id, new Set<number>()]));
    const pending = new Map<string, { lat: number; lon: number; timestamp: number }[]>(ids.map((id) => [id, []]));
    let requests = 0;
    let serverErrors = 0;
    let maxLatencyMs = 0;
    let staleReads = 0;
    let staleAfterHeal = 0;
    let partialFailures = 0;
    let cacheBypasses = 0;
    let readsAfterHeal = 0;
    let clientErrors = 0;
    const record = (latencyMs: number, status: number) => {
      requests += 1;
      maxLatencyMs = Math.max(maxLatencyMs, latencyMs);
      if (status >= 500 && status !== 503) serverErrors += 1;
    };
    const recordOwn = (latencyMs: number, status: number) => {
      record(latencyMs, status);
      if (status >= 400 && status < 500) clientErrors += 1;
    };
    const base = Date.now() - 20 * 60_000;
    const started = Date.now();
    const until = started + durationMs;
    let healedAt = Infinity;
    const faults = (async () => {
      await sleep(durationMs / 3);
      await scenario.inject?.(h);
      await sleep(durationMs / 3);
      await scenario.heal?.(h);
      healedAt = Date.now();
    })();

    const send = async (id: string, fixes: { lat: number; lon: number; timestamp: number }[]) => {
      const t0 = performance.now();
      const response = await post(h.a.baseUrl, `/vehicles/${id}/positions`, fixes);
      recordOwn(performance.now() - t0, response.status);
      const body = (await response.json()) as { failed?: { timestamp: number }[] };
      if (response.status === 200) {
        for (const fix of fixes) acked.get(id)!.add(fix.timestamp);
      } else if (response.status === 503) {
        partialFailures += 1;
        // Everything not listed in failed is stored; the listed ones are resent (all of them if none is listed).
        const failed = new Set((body.failed ?? fixes).map((f) => f.timestamp));
        for (const fix of fixes) {
          if (failed.has(fix.timestamp)) pending.get(id)!.push(fix);
          else acked.get(id)!.add(fix.timestamp);
        }
      }
    };

    const writers = ids.map(async (id, v) => {
      for (let tick = 1; Date.now() < until; tick++) {
        // One second of device time per tick: hours of chaos stay inside the 20 minutes before "now".
        const fix = (n: number) => ({ lat: 10 + v * 0.01 + n * 1e-5, lon: 20 + n * 1e-5, timestamp: base + n * 500 });
        // This tick's fix, a resend of the previous one, and a late one from five ticks ago.
        await send(id, [fix(tick * 2), fix((tick - 1) * 2), ...(tick > 5 ? [fix((tick - 5) * 2 + 1)] : [])]);
        const retry = pending.get(id)!.splice(0);
        if (retry.length) await send(id, retry);
        await sleep(intervalMs);
      }
    });
    const readFrom = scenario.readFrom === 'b' ? h.b : h.a;
    const reader = (async () => {
      // Reads go on after the writers stop, until 3 s past the heal, so staleness after healing is measured.
      for (let i = 0; Date.now() < until || Date.now() < healedAt + 3000; i++) {
        const id = ids[i % ids.length];
        const knownBefore = Math.max(-1, ...acked.get(id)!);
        const begun = Date.now();
        const t0 = performance.now();
        const response = await fetch(`${readFrom.baseUrl}/vehicles/${id}/position`);
        // A 404 before the vehicle's first acknowledged position is the right answer, not an error.
        (response.status === 404 && knownBefore < 0 ? record : recordOwn)(performance.now() - t0, response.status);
        if (begun >= healedAt + 2000) readsAfterHeal += 1;
        if (response.headers.get('x-cache') === 'bypass') cacheBypasses += 1;
        if (response.status === 200) {
          const ts = Date.parse(((await response.json()) as { timestamp: string }).timestamp);
          if (ts < knownBefore) {
            staleReads += 1;
            if (begun >= healedAt + 2000) staleAfterHeal += 1;
          }
        } else await response.arrayBuffer();
        await sleep(20);
      }
    })();
    await Promise.all([...writers, reader, faults, scenario.background?.(h, until, record)]);

    // Healed: clients resend what they were told was not stored, until it is.
    for (let round = 0; round < 20 && [...pending.values()].some((p) => p.length); round++) {
      for (const id of ids) {
        const retry = pending.get(id)!.splice(0);
        if (retry.length) await send(id, retry);
      }
      await sleep(100);
    }
    let stored = 0;
    let lost = 0;
    let duplicated = 0;
    for (const id of ids) {
      const history = (await (await fetch(`${h.a.baseUrl}/vehicles/${id}/positions?limit=1000`)).json()) as { items: { timestamp: string }[] };
      const seen = new Map<number, number>();
      for (const item of history.items) seen.set(Date.parse(item.timestamp), (seen.get(Date.parse(item.timestamp)) ?? 0) + 1);
      stored += seen.size;
      duplicated += [...seen.values()].filter((n) => n > 1).length;
      lost += [...acked.get(id)!].filter((ts) => !seen.has(ts)).length;
    }
    const acknowledged = [...acked.values()].reduce((n, set) => n + set.size, 0);
    return { scenario: scenario.name, requests, acknowledged, stored, lost, duplicated, staleReads, staleAfterHeal, readsAfterHeal, maxLatencyMs: Math.round(maxLatencyMs), serverErrors, clientErrors, partialFailures, cacheBypasses };
  } finally {
    await h.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}
