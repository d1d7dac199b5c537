import pino from 'pino';
import { localApiConfig } from '../../functions/local/api-config';
import type { Position } from '../../functions/api/domain/position';
import { EventEvaluator } from '../../functions/api/services/event-evaluator';
import { createServices } from '../../functions/api/services';
import type { Measurement } from './report';
import type { Stack } from './stack';
import { interleaved, percentile, summarize } from './stats';

const ENVIRONMENT = 'benchevents';
const GEOFENCES = 100;
const VEHICLES = 10;
const FIXES_PER_VEHICLE = 10;
const RUNS = 7;

/**
 * The events function's work: one stream batch (10 vehicles × 10 new fixes, as the positions stream
 * delivers them) evaluated for a fleet watched by 100 geofences, against the same for a fleet no
 * geofence watches. The API's own ingest is not in it: in AWS the API evaluates nothing.
 */
export async function benchEvents(stack: Stack): Promise<Measurement[]> {
  await stack.tables(ENVIRONMENT);
  const log = pino({ level: 'silent' });
  const config = localApiConfig({ environment: ENVIRONMENT, dynamodbEndpoint: stack.dynamoEndpoint, eventSource: 'stream' });
  const services = createServices(config, { log });
  const evaluator = new EventEvaluator(services.vehicles, services.positions, services.events, services.geofenceIndex, log);
  try {
    // 100 geofences over a 10 km city: circles and squares of 100 m to 1 km, the fleet's vehicles driving through them.
    let seed = 42;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let g = 0; g < GEOFENCES; g++) {
      const [lon, lat] = [4.85 + random() * 0.15, 52.33 + random() * 0.09];
      const size = 0.001 + random() * 0.01;
      const geometry =
        g % 2 === 0
          ? { type: 'Circle' as const, center: [lon, lat] as [number, number], radius: 100 + random() * 900 }
          : { type: 'Polygon' as const, coordinates: [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]] as [number, number][]] };
      const now = Date.now();
      await services.geofences.create({ id: `g${g}`, name: `Geofence ${g}`, geometry, fleetId: 'fenced', createdAt: now, updatedAt: now, revision: 1 });
    }
    for (const fleet of ['fenced', 'open']) {
      for (let v = 0; v < VEHICLES; v++) await services.registry.register({ id: `${fleet}-${v}`, name: 'bench', fleetId: fleet, type: 'van' });
    }
    let ts = Date.now() - 6 * 60 * 60 * 1000;
    const where = new Map<string, [number, number]>();
    /** Stores the next fixes of each of the fleet's vehicles (ingest), returns them as the stream would carry them. */
    async function nextBatch(fleet: string): Promise<Map<string, Position[]>> {
      const items = [];
      for (let v = 0; v < VEHICLES; v++) {
        const id = `${fleet}-${v}`;
        let [lat, lon] = where.get(id) ?? [52.33 + random() * 0.09, 4.85 + random() * 0.15];
        for (let f = 0; f < FIXES_PER_VEHICLE; f++) {
          [lat, lon] = [lat + (random() - 0.5) * 0.002, lon + (random() - 0.5) * 0.003];
          items.push({ vehicleId: id, field: '', input: { lat, lon, timestamp: (ts += 1000), speed: 40 } });
        }
        where.set(id, [lat, lon]);
      }
      const result = await services.ingest.ingest(items);
      if (result.failed.length) throw new Error(`bench ingest failed: ${result.failed[0].reason}`);
      const batch = new Map<string, Position[]>();
      for (let v = 0; v < VEHICLES; v++) {
        const id = `${fleet}-${v}`;
        const own = items.filter((item) => item.vehicleId === id).map((item) => item.input.timestamp as number);
        const page = await services.positions.history({ vehicleId: id, from: own[0], to: own[own.length - 1], limit: 100, order: 'asc', receivedSince: 0, now: Date.now() });
        batch.set(id, page.positions);
      }
      return batch;
    }
    const perFix: Record<string, number[]> = { fenced: [], open: [] };
    /** Evaluates one batch as the handler does (vehicles in parallel); fixes per second. */
    const evaluate = (fleet: string) => async () => {
      const batch = await nextBatch(fleet);
      const started = performance.now();
      await Promise.all(
        [...batch].map(async ([id, fixes]) => {
          const t0 = performance.now();
          await evaluator.evaluate(id, fixes);
          perFix[fleet].push((performance.now() - t0) / fixes.length);
        }),
      );
      return (VEHICLES * FIXES_PER_VEHICLE) / ((performance.now() - started) / 1000);
    };
    await evaluate('fenced')();
    await evaluate('open')(); // warm: the geofence index, connections
    perFix.fenced.length = perFix.open.length = 0;
    const rates = await interleaved(RUNS, evaluate('fenced'), evaluate('open'));
    const events = await services.events.list({ fleetId: 'fenced', fromKey: '0', toKey: '9', order: 'asc', limit: 1000, withRetracted: false });
    return [
      {
        group: 'events',
        path: `events function: fixes evaluated/s, fleet with ${GEOFENCES} geofences (batches of ${VEHICLES} vehicles × ${FIXES_PER_VEHICLE} fixes)`,
        unit: 'fixes/s',
        better: 'higher',
        ours: summarize(rates.ours),
        baseline: summarize(rates.baseline),
        baselineIs: 'the same batches for a fleet no geofence watches (the function reads the vehicle and stops)',
        note: `${events.events.length} events raised in the fenced fleet`,
      },
      {
        group: 'events',
        path: `events function: evaluation time per fix, p99, ${GEOFENCES} geofences`,
        unit: 'ms',
        better: 'lower',
        ours: summarize([percentile(perFix.fenced, 99)]),
        baseline: summarize([percentile(perFix.open, 99)]),
        baselineIs: 'the same, for a fleet no geofence watches',
      },
    ];
  } finally {
    await services.close();
  }
}
