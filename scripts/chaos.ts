/**
 * `npm run chaos [-- <scenario> …] [--duration <s>] [--vehicles <n>]`: the fault scenarios of
 * scripts/chaos/scenarios.ts against real HTTP instances of the API on this machine, one after the
 * other, then a table: what was acknowledged, stored, lost, duplicated, read stale, and how slow.
 * Exits 1 if anything acknowledged was lost or duplicated, or a stale read outlived its fault.
 */
import * as os from 'os';
import { parseArgs } from 'util';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local';
import { SCENARIOS, ScenarioResult, runScenario } from './chaos/scenarios';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '6' },
      vehicles: { type: 'string', default: '10' },
      dynamodb: { type: 'string', default: 'dynalite' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      `npm run chaos [-- <scenario> …] [--duration <seconds>] [--vehicles <n>] [--dynamodb dynalite|dynamodb-local]\n` +
        `Scenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(20)} ${s.what}`).join('\n')}`,
    );
    return 0;
  }
  if (values.dynamodb !== 'dynalite' && values.dynamodb !== 'dynamodb-local') throw new Error(`--dynamodb must be dynalite or dynamodb-local, not ${values.dynamodb}`);
  // DynamoDB Local (a JVM) starts once for the run; each scenario uses its own tables in it.
  const shared = values.dynamodb === 'dynamodb-local' ? await startDynamoDbLocal() : undefined;
  const startDatabase = shared && (async () => ({ endpoint: shared.endpoint, close: async () => undefined }));
  const unknown = positionals.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`Unknown scenario ${unknown.join(', ')}; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  console.log(`${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model.trim()} · Node ${process.version} · ${values.dynamodb} · ${values.duration} s per scenario, ${values.vehicles} vehicles`);
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    process.stderr.write(`running ${scenario.name} …\n`);
    results.push(await runScenario(scenario, { durationMs: Number(values.duration) * 1000, vehicles: Number(values.vehicles), startDatabase }));
  }
  await shared?.close();
  const columns: (keyof ScenarioResult)[] = ['scenario', 'requests', 'acknowledged', 'stored', 'lost', 'duplicated', 'staleReads', 'staleAfterHeal', 'readsAfterHeal', 'maxLatencyMs', 'serverErrors', 'clientErrors', 'partialFailures', 'cacheBypasses'];
  console.log(`| ${columns.join(' | ')} |\n|${columns.map(() => ' --- ').join('|')}|`);
  for (const result of results) console.log(`| ${columns.map((c) => result[c]).join(' | ')} |`);
  console.log(
    '\nrequests: HTTP requests, reads included. acknowledged / stored / lost / duplicated: distinct positions ' +
      '(a write carries up to 3). staleReads: latest positions older than one acknowledged before the read ' +
      '(staleAfterHeal of readsAfterHeal: reads begun 2 s or more after the fault healed). duplicated cannot happen by key design and is checked anyway. clientErrors: 4xx to the fleet requests. partialFailures: 503s listing unstored ' +
      'positions, which clients resend. cacheBypasses: reads answered from DynamoDB because Redis was not trusted.',
  );
  const broken = results.filter((r) => r.lost > 0 || r.duplicated > 0 || r.staleAfterHeal > 0 || r.readsAfterHeal === 0 || r.serverErrors > 0 || r.clientErrors > 0);
  if (broken.length) console.log(`\nFAILED: ${broken.map((r) => r.scenario).join(', ')}`);
  return broken.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
