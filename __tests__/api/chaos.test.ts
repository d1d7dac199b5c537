/**
 * The fast subset of `npm run chaos`: real HTTP instances, real Redis and the lane's DynamoDB, faults coming and
 * going under load. Nothing acknowledged is lost or duplicated, no read is stale once a fault has
 * healed, and no client sees a 5xx except the 503s that list unstored positions.
 */
import { SCENARIOS, runScenario } from '../../scripts/chaos/scenarios';
import { startTestDynamo } from '../helpers/dynamo';

const FAST = ['baseline', 'redis-partition', 'redis-old-snapshot', 'two-instances', 'dynamo-partial'];

describe('npm run chaos (fast subset)', () => {
  test.each(SCENARIOS.filter((s) => FAST.includes(s.name)).map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    // On the lane's DynamoDB: dynalite, or DynamoDB Local in the fidelity lane.
    const result = await runScenario(scenario, { durationMs: 2_400, vehicles: 6, intervalMs: 150, startDatabase: startTestDynamo });
    expect(result.acknowledged).toBeGreaterThan(20);
    expect({ lost: result.lost, duplicated: result.duplicated, staleAfterHeal: result.staleAfterHeal, serverErrors: result.serverErrors, clientErrors: result.clientErrors }).toEqual({
      lost: 0,
      duplicated: 0,
      staleAfterHeal: 0,
      serverErrors: 0,
      clientErrors: 0,
    });
    expect(result.readsAfterHeal).toBeGreaterThan(10); // staleness after healing was really measured
    expect(result.stored).toBe(result.acknowledged);
    // Only another instance may read stale while the writer is cut off (the contract's rule 5).
    if (scenario.readFrom !== 'b') expect(result.staleReads).toBe(0);
    // The fault really happened: DynamoDB failures reached clients, Redis faults made reads bypass it.
    if (scenario.name === 'dynamo-partial') expect(result.partialFailures).toBeGreaterThan(0);
    if (scenario.name === 'redis-partition' || scenario.name === 'redis-old-snapshot') expect(result.cacheBypasses).toBeGreaterThan(0);
  }, 60_000);
});
