/**
 * `npm run republish-events -- <env> --dead-letters` or `… <env> --since <time> --until <time>`:
 * publishes changes of the event log to the bus again, whence the rules deliver them (webhooks, the
 * log, other consumers), with the ids they had: a consumer drops what it already has.
 * - `--dead-letters` reads every letter of the delivery function's dead-letter queue and of the bus's
 *   (stream batches, bus events given up on), publishes the changes they stand for (see
 *   letterWindow), and deletes each letter once its changes are out; letters it cannot read stay.
 * - `--since/--until`: every change made in that window (ISO-8601 or epoch ms), widened by a minute
 *   before and 5 s after.
 * Uses the AWS credentials of the shell (sqs on the two queues, events:PutEvents on the bus,
 * dynamodb:Query on the events table); DYNAMODB_ENDPOINT, EVENTBRIDGE_ENDPOINT and SQS_ENDPOINT point
 * it at local stand-ins instead.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { environmentNames, getEnvironment, physicalTableName } from '../config/environments';
import { busDeadLetterQueueName, eventBusName, functionDeadLetterQueueName } from '../config/names';
import { EventBridgeBus } from '../functions/api/delivery/event-bus';
import { createDocumentClient } from '../functions/api/services/dynamo-client';
import { EventStore } from '../functions/api/services/event-store';
import { Window, deleteLetter, mergeWindows, readLetters } from './replay/dead-letters';
import { republishChanges } from './replay/republish';
import { WIDEN_AFTER_MS, WIDEN_BEFORE_MS, windowArgs } from './replay/window-args';

const USAGE = `Usage: npm run republish-events -- <env> --dead-letters
       npm run republish-events -- <env> --since <time> --until <time>
  <env>           one of: ${environmentNames().join(', ')}
  --dead-letters  the changes of every letter in vehicle-tracking-<env>-delivery-dlq and -bus-dead-letters (deleted once published)
  --since         first change time to publish again (ISO-8601 or epoch ms)
  --until         last change time`;

const local = (variable: string) => (process.env[variable] ? { endpoint: process.env[variable], credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});

async function main(args: string[]): Promise<void> {
  const fromLetters = args.includes('--dead-letters');
  const name = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const window = fromLetters ? (name ? { name } : undefined) : windowArgs(args, USAGE);
  if (!window) {
    if (fromLetters) {
      console.error(USAGE);
      process.exitCode = 2;
    }
    return;
  }
  const environment = getEnvironment(window.name);
  const db = createDocumentClient({ region: environment.region, endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
  const eventBridge = new EventBridgeClient({ region: environment.region, ...local('EVENTBRIDGE_ENDPOINT') });
  const sqs = new SQSClient({ region: environment.region, ...local('SQS_ENDPOINT') });
  try {
    const store = new EventStore(db, physicalTableName(environment, 'events'), environment.positionRetentionDays);
    const bus = new EventBridgeBus(eventBridge, eventBusName(environment.name));
    const publish = async (windows: readonly Window[]) => {
      let published = 0;
      for (const range of mergeWindows(windows)) {
        published += await republishChanges(store, bus, range, (n) => process.stderr.write(`\r${published + n} change(s) published…`));
        console.log(`changes made ${new Date(range.since).toISOString()} – ${new Date(range.until).toISOString()}: published again`);
      }
      process.stderr.write('\n');
      return published;
    };
    if ('since' in window) {
      const published = await publish([{ since: window.since - WIDEN_BEFORE_MS, until: window.until + WIDEN_AFTER_MS }]);
      console.log(`${eventBusName(environment.name)}: ${published} change(s) published again`);
      return;
    }
    const queues = [functionDeadLetterQueueName(environment.name, 'delivery'), busDeadLetterQueueName(environment.name)];
    const letters = (await Promise.all(queues.map((queue) => readLetters(sqs, queue)))).flat();
    const readable = letters.filter((letter) => letter.window !== undefined);
    const published = await publish(readable.map((letter) => letter.window!));
    for (const letter of readable) await deleteLetter(sqs, letter);
    console.log(
      `${eventBusName(environment.name)}: ${published} change(s) of ${readable.length} dead letter(s) published again; those letters are deleted` +
        (letters.length > readable.length ? `; ${letters.length - readable.length} letter(s) not understood were left (visible again in 10 minutes)` : ''),
    );
  } finally {
    db.destroy();
    eventBridge.destroy();
    sqs.destroy();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
