/**
 * `npm run republish-events -- <env> --since <time> --until <time>`: after the delivery function gave
 * up on events-stream batches (the delivery-dead-letters alarm), publishes every change of the event
 * log made in that window to the bus again, whence the rules deliver it (webhooks, the log, other
 * consumers). Same message ids as the first time, so a consumer drops what it already has. Times:
 * ISO-8601 or epoch ms, the dead letter's approximateArrivalOfFirstRecord and ...LastRecord (widened
 * by a minute before and 5 s after: a change's time is when it was derived, just before its write).
 * Uses the AWS credentials of the shell (events:PutEvents on the bus, dynamodb:Query on the events
 * table); DYNAMODB_ENDPOINT and EVENTBRIDGE_ENDPOINT point it at local stand-ins instead.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { environmentNames, getEnvironment, physicalTableName } from '../config/environments';
import { eventBusName } from '../config/names';
import { EventBridgeBus } from '../functions/api/delivery/event-bus';
import { createDocumentClient } from '../functions/api/services/dynamo-client';
import { EventStore } from '../functions/api/services/event-store';
import { republishChanges } from './replay/republish';
import { WIDEN_AFTER_MS, WIDEN_BEFORE_MS, windowArgs } from './replay/window-args';

const USAGE = `Usage: npm run republish-events -- <env> --since <time> --until <time>
  <env>       one of: ${environmentNames().join(', ')}
  --since     first change time to publish again (ISO-8601 or epoch ms), e.g. the dead letter's approximateArrivalOfFirstRecord
  --until     last change time`;

async function main(args: string[]): Promise<void> {
  const window = windowArgs(args, USAGE);
  if (!window) return;
  const { name, since, until } = window;
  const environment = getEnvironment(name);
  const db = createDocumentClient({ region: environment.region, endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
  const local = process.env.EVENTBRIDGE_ENDPOINT ? { endpoint: process.env.EVENTBRIDGE_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const eventBridge = new EventBridgeClient({ region: environment.region, ...local });
  try {
    const store = new EventStore(db, physicalTableName(environment, 'events'), environment.positionRetentionDays);
    const [from, to] = [since - WIDEN_BEFORE_MS, until + WIDEN_AFTER_MS];
    const published = await republishChanges(store, new EventBridgeBus(eventBridge, eventBusName(environment.name)), { since: from, until: to }, (n) =>
      process.stderr.write(`\r${n} change(s) published…`),
    );
    process.stderr.write('\n');
    console.log(`${eventBusName(environment.name)}: ${published} change(s) made ${new Date(from).toISOString()} – ${new Date(to).toISOString()} published again`);
  } finally {
    db.destroy();
    eventBridge.destroy();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
