import type { DynamoDBStreamEvent, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { EVENT_SOURCE, WEBHOOK_TIMEOUT_MS } from '../../config/delivery';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { ConfigError, loadConfig } from '../api/config';
import { EventBridgeBus } from '../api/delivery/event-bus';
import { EventMessage, eventMessage } from '../api/delivery/event-message';
import { SqsDeadLetters, SqsRetryQueue, parseJob } from '../api/delivery/retry-queues';
import { WebhookDelivery } from '../api/delivery/webhook-delivery';
import { WebhookDirectory } from '../api/delivery/webhook-directory';
import { WebhookSender } from '../api/delivery/webhook-sender';
import { createDocumentClient } from '../api/services/dynamo-client';
import type { StoredEvent } from '../api/services/event-store';
import { WebhookStore } from '../api/services/webhook-store';

/**
 * `vehicle-tracking-<env>-delivery`, outside the VPC (webhook receivers are on the internet, and a
 * function there cannot reach the VPC's private addresses). Three triggers, one job each:
 * - the events table's stream: every change of the log is published to the bus (publishChanges);
 * - the bus's `webhooks` rule: a change is delivered to the webhooks that want it (first attempts);
 * - the webhook retry queue: one later attempt per message (SQS delays it), reported per message.
 */
function init(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new ConfigError(`Environment variable ${name} is required`);
    return value;
  };
  const log = pino({ level: env[RUNTIME_ENV.logLevel] ?? 'info' });
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  // Test endpoints only (a local stand-in for the AWS API); unset in AWS.
  const local = (name: string) => (env[name] ? { endpoint: env[name], credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
  const eventBridge = new EventBridgeClient({ region: config.region, maxAttempts: 3, ...local('EVENTBRIDGE_ENDPOINT') });
  const sqs = new SQSClient({ region: config.region, maxAttempts: 3, ...local('SQS_ENDPOINT') });
  const store = new WebhookStore(db, config.webhooksTable);
  const webhooks = new WebhookDelivery(
    new WebhookDirectory(store),
    store,
    new WebhookSender({ allowPrivateTargets: config.webhookAllowPrivateTargets, timeoutMs: WEBHOOK_TIMEOUT_MS }),
    new SqsRetryQueue(sqs, required(RUNTIME_ENV.webhookRetryQueueUrl)),
    new SqsDeadLetters(sqs, required(RUNTIME_ENV.webhookDeadLetterQueueUrl)),
    config.webhookRetryDelaysSeconds,
    log,
  );
  const bus = new EventBridgeBus(eventBridge, required(RUNTIME_ENV.eventBusName));
  return { bus, webhooks, log, close: () => [db, eventBridge, sqs].forEach((client) => client.destroy()) };
}

let container: ReturnType<typeof init> | undefined;

/** The changes a stream batch carries (a write to the events table is a change; expiry is not). */
export function changesOf(event: DynamoDBStreamEvent): EventMessage[] {
  return event.Records.flatMap((record) => {
    const image = record.dynamodb?.NewImage;
    return record.eventName === 'REMOVE' || !image ? [] : [eventMessage(unmarshall(image as Record<string, AttributeValue>) as StoredEvent)];
  });
}

type BusEvent = EventBridgeEvent<string, EventMessage['detail']>;
type Trigger = DynamoDBStreamEvent | SQSEvent | BusEvent;

const isBusEvent = (event: Trigger): event is BusEvent => 'detail-type' in event;
const isQueueBatch = (event: Trigger): event is SQSEvent => 'Records' in event && event.Records[0]?.eventSource === 'aws:sqs';

export async function handler(event: Trigger): Promise<SQSBatchResponse | void> {
  container ??= init();
  const { bus, webhooks, log } = container;
  if (isBusEvent(event)) {
    if (event.source !== EVENT_SOURCE) throw new Error(`not an event of ${EVENT_SOURCE}: ${event.source}`);
    // A failure here (the webhooks table, SQS) throws: Lambda retries the invocation, then dead-letters it.
    // The envelope's id is EventBridge's and its time is rounded to the second: the change's own are in detail.
    await webhooks.deliver({ id: event.detail.changeId, source: event.source, 'detail-type': event['detail-type'], time: event.detail.changedAt, detail: event.detail });
    return;
  }
  if (isQueueBatch(event)) {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const job = parseJob(record.body);
        if (!job) {
          log.error({ messageId: record.messageId }, 'not a webhook delivery: dropped');
          return;
        }
        try {
          await webhooks.retry(job);
        } catch (error) {
          // Only this message comes back (after the queue's visibility timeout); the rest are done.
          log.error({ err: error, messageId: record.messageId, webhookId: job.webhookId }, 'webhook retry could not run');
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  }
  const changes = changesOf(event);
  // Throws if EventBridge keeps refusing: the shard retries the batch, halves it, then dead-letters it.
  await bus.publish(changes);
  log.info({ published: changes.length }, 'event changes published');
}

/** Tests: release the container's connections. */
export function closeContainer(): void {
  container?.close();
  container = undefined;
}
