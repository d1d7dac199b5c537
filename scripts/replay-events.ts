/**
 * `npm run replay-events -- <env> --since <time> --until <time> [--vehicle <id>]`: after the
 * events function gave up on stream batches (the events-dead-letters alarm), re-derives the events
 * of the fixes received in that window. It marks each such fix in the positions table, so the
 * table's stream delivers it again and the events function evaluates it as before: in order per
 * vehicle, idempotently (events already right stay as they are). Times: ISO-8601 or epoch ms, the
 * dead-letter message's approximateArrivalOfFirstRecord and ...LastRecord. Uses the AWS credentials
 * of the shell; DYNAMODB_ENDPOINT points it at a local DynamoDB instead.
 */
import { environmentNames, getEnvironment, physicalTableName } from '../config/environments';
import { createDocumentClient } from '../functions/api/services/dynamo-client';
import { markForReplay } from './replay/mark-for-replay';
import { WIDEN_AFTER_MS, WIDEN_BEFORE_MS, option, windowArgs } from './replay/window-args';

const USAGE = `Usage: npm run replay-events -- <env> --since <time> --until <time> [--vehicle <id>]
  <env>       one of: ${environmentNames().join(', ')}
  --since     first arrival time to replay (ISO-8601 or epoch ms), e.g. the dead letter's approximateArrivalOfFirstRecord
  --until     last arrival time to replay
  --vehicle   only this vehicle (a Query instead of a Scan of the whole table)`;

async function main(args: string[]): Promise<void> {
  const window = windowArgs(args, USAGE);
  if (!window) return;
  const { name, since, until } = window;
  const environment = getEnvironment(name);
  const table = physicalTableName(environment, 'positions');
  const db = createDocumentClient({ region: environment.region, endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
  try {
    const started = Date.now();
    const vehicleId = option(args, 'vehicle');
    // A fix's receivedAt is when its request began; a dead letter's arrival times are when the write
    // reached the stream, to the second: widened so no fix of the window falls outside.
    const [from, to] = [since - WIDEN_BEFORE_MS, until + WIDEN_AFTER_MS];
    const marked = await markForReplay(db, table, { since: from, until: to, vehicleId }, Date.now(), (n) =>
      process.stderr.write(`\r${n} fix(es) marked…`),
    );
    process.stderr.write('\n');
    console.log(
      `${table}: ${marked} fix(es) received ${new Date(from).toISOString()} – ${new Date(to).toISOString()}${vehicleId ? ` by ${vehicleId}` : ''} ` +
        `marked for replay in ${((Date.now() - started) / 1000).toFixed(1)} s; the events function re-evaluates them within a minute`,
    );
  } finally {
    db.destroy();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
