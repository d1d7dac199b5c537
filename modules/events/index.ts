import { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { EVENT_SOURCE } from '../../config/delivery';
import type { EnvironmentConfig } from '../../config/environments';
import { busDeadLetterQueueName, busLogGroupName, busRuleName, eventBusName, resourceName, webhookQueueNames } from '../../config/names';
import { LIVE_ALIAS } from '../api_services/node-function';
import { policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';

export interface EventsModuleProps {
  readonly environment: EnvironmentConfig;
}

export type EventsInputs =
  | 'positions_stream_arn'
  | 'events_function_alias_arn'
  | 'events_dead_letter_queue_arn'
  | 'events_stream_arn'
  | 'delivery_function_name'
  | 'delivery_function_alias_arn'
  | 'delivery_dead_letter_queue_arn'
  | 'kms_key_arn';
export type EventsOutputs =
  | 'positions_stream_mapping_uuid'
  | 'events_stream_mapping_uuid'
  | 'event_bus_name'
  | 'event_bus_arn'
  | 'webhook_retry_queue_url'
  | 'webhook_dead_letter_queue_arn'
  | 'bus_dead_letter_queue_arn';

/** How a DynamoDB stream feeds its function (the positions stream → events, the events stream → delivery). */
export const STREAM_MAPPING = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 1,
  /** One batch at a time per shard: one vehicle's evaluations never overlap (EventEvaluator relies on it). */
  parallelizationFactor: 1,
  maximumRetryAttempts: 10,
  /** Older than this, a failing batch is given up on (dead-lettered) rather than hold its shard. */
  maximumRecordAgeInSeconds: 6 * 60 * 60,
} as const;

/** How long EventBridge keeps trying to hand an event to a rule's target before its dead-letter queue. */
export const BUS_TARGET_RETRY = { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 } as const;

/**
 * module.events: how the event log is made and how it leaves.
 * - The positions table's stream → the events function (module.api_services), which derives the log.
 * - The events table's stream → the delivery function, which publishes each change to the bus
 *   `vehicle-tracking-<env>-events` (Amazon Location's event shape where they overlap).
 * - The bus's rules, one per consumer: `webhooks` (the delivery function POSTs to the webhooks the
 *   API configures; failed attempts wait in the retry queue, the last goes to the dead letters),
 *   `log` (a log group keeping every event published), and one per ENVIRONMENTS[env].events.consumers
 *   (their SQS queues). A rule that cannot hand an event over puts it in the bus's dead-letter queue.
 * Both stream mappings start at the stream's oldest record (TRIM_HORIZON): a mapping re-created in a
 * recovery re-processes the last 24 hours, which is harmless (evaluation is idempotent; a published
 * change carries its id, so consumers drop repeats) and leaves no gap.
 */
export class EventsModule extends ModuleStack<EventsInputs, EventsOutputs> {
  constructor(props: EventsModuleProps) {
    super('events');
    const env = props.environment;
    const arn = (name: EventsInputs, description: string) =>
      this.input(name, {
        type: 'string',
        description,
        validation: [{ condition: `can(regex("^arn:aws", var.${name}))`, errorMessage: `${name} must be an ARN.` }],
      }).stringValue;
    const positionsStream = arn('positions_stream_arn', 'Stream of the positions table (module.database)');
    const eventsFunction = arn('events_function_alias_arn', 'The events function\'s live alias (module.api_services)');
    const eventsDeadLetters = arn('events_dead_letter_queue_arn', 'The events function\'s dead-letter queue (module.api_services)');
    const eventsStream = arn('events_stream_arn', 'Stream of the events table (module.database)');
    const deliveryFunction = arn('delivery_function_alias_arn', 'The delivery function\'s live alias (module.api_services)');
    const deliveryDeadLetters = arn('delivery_dead_letter_queue_arn', 'The delivery function\'s dead-letter queue (module.api_services)');
    const deliveryFunctionName = this.input('delivery_function_name', { type: 'string', description: 'Name of the delivery function (module.api_services)' }).stringValue;
    const kmsKeyArn = arn('kms_key_arn', 'KMS key for the webhook queues and the bus log (module.security)');

    // Expiry (TTL deletes) is neither a fix nor a change: those records never invoke a function.
    const insertsAndModifies = { filter: [{ pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'] }) }] };
    const positionsMapping = new LambdaEventSourceMapping(this, 'positions_stream', {
      eventSourceArn: positionsStream,
      functionName: eventsFunction,
      startingPosition: 'TRIM_HORIZON',
      ...STREAM_MAPPING,
      bisectBatchOnFunctionError: true,
      destinationConfig: { onFailure: { destinationArn: eventsDeadLetters } },
      filterCriteria: insertsAndModifies,
    });
    const eventsMapping = new LambdaEventSourceMapping(this, 'events_stream', {
      eventSourceArn: eventsStream,
      functionName: deliveryFunction,
      startingPosition: 'TRIM_HORIZON',
      ...STREAM_MAPPING,
      bisectBatchOnFunctionError: true,
      destinationConfig: { onFailure: { destinationArn: deliveryDeadLetters } },
      filterCriteria: insertsAndModifies,
    });

    const bus = new CloudwatchEventBus(this, 'bus', { name: eventBusName(env.name) });
    // EventBridge writes here: the environment key lets it (module.security).
    const busDeadLetters = new SqsQueue(this, 'bus_dead_letters', {
      name: busDeadLetterQueueName(env.name),
      kmsMasterKeyId: kmsKeyArn,
      messageRetentionSeconds: 14 * 24 * 60 * 60,
    });
    const ofThisProject = { source: [EVENT_SOURCE] };
    const rules: CloudwatchEventRule[] = [];
    const rule = (id: string, consumer: string, description: string, pattern: Record<string, unknown>) => {
      const created = new CloudwatchEventRule(this, `${id}_rule`, { name: busRuleName(env.name, consumer), description, eventBusName: bus.name, eventPattern: JSON.stringify(pattern) });
      rules.push(created);
      return created;
    };
    const deadLetterConfig = { arn: busDeadLetters.arn };

    // Webhooks: the delivery function's first attempts (its retries go through the retry queue).
    const webhooks = rule('webhooks', 'webhooks', 'Every change, to the delivery function: webhook deliveries', ofThisProject);
    new CloudwatchEventTarget(this, 'webhooks_target', { rule: webhooks.name, eventBusName: bus.name, arn: deliveryFunction, retryPolicy: BUS_TARGET_RETRY, deadLetterConfig });
    new LambdaPermission(this, 'webhooks_permission', {
      statementId: 'AllowTheBusWebhooksRule',
      action: 'lambda:InvokeFunction',
      functionName: deliveryFunctionName,
      qualifier: LIVE_ALIAS,
      principal: 'events.amazonaws.com',
      sourceArn: webhooks.arn,
    });

    // Every event published, kept for looking back at what went out (as the dev server logs it).
    const busLog = new CloudwatchLogGroup(this, 'bus_log', { name: busLogGroupName(env.name), retentionInDays: env.logRetentionDays, kmsKeyId: kmsKeyArn });
    new CloudwatchLogResourcePolicy(this, 'bus_log_policy', {
      policyName: resourceName(env.name, 'bus-log'),
      policyDocument: policyDocument([
        {
          sid: 'TheBusWritesItsLog',
          principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${busLog.arn}:*`],
        },
      ]),
    });
    const log = rule('log', 'log', 'Every change, to the bus log group', ofThisProject);
    new CloudwatchEventTarget(this, 'log_target', { rule: log.name, eventBusName: bus.name, arn: busLog.arn, retryPolicy: BUS_TARGET_RETRY, deadLetterConfig });

    // Other teams' queues: a rule each, with the types they asked for.
    for (const consumer of env.events.consumers) {
      const id = `consumer_${consumer.name.replace(/-/g, '_')}`;
      const pattern = consumer.eventTypes ? { ...ofThisProject, detail: { event: { type: [...consumer.eventTypes] } } } : ofThisProject;
      const consumerRule = rule(id, consumer.name, `Changes for ${consumer.name} (${consumer.eventTypes?.join(', ') ?? 'every type'})`, pattern);
      new CloudwatchEventTarget(this, `${id}_target`, { rule: consumerRule.name, eventBusName: bus.name, arn: consumer.queueArn, retryPolicy: BUS_TARGET_RETRY, deadLetterConfig });
    }
    new SqsQueuePolicy(this, 'bus_dead_letters_policy', {
      queueUrl: busDeadLetters.url,
      policy: policyDocument([
        {
          sid: 'TheBusRulesDeadLetterHere',
          principal: { Service: 'events.amazonaws.com' },
          actions: ['sqs:SendMessage'],
          resources: [busDeadLetters.arn],
          condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => r.arn) } },
        },
      ]),
    });

    // Webhook retries: a failed attempt's next one waits here (SQS delays it); the function reads one
    // message per delivery and reports failures per message. A message its function keeps failing on
    // (not the receiver: that is counted in the message) moves to the dead letters after 5 receives.
    const queues = webhookQueueNames(env.name);
    const webhookDeadLetters = new SqsQueue(this, 'webhook_dead_letters', { name: queues.deadLetters, kmsMasterKeyId: kmsKeyArn, messageRetentionSeconds: 14 * 24 * 60 * 60 });
    const retries = new SqsQueue(this, 'webhook_retries', {
      name: queues.retries,
      kmsMasterKeyId: kmsKeyArn,
      // AWS's advice for a Lambda-read queue: six times the function's timeout.
      visibilityTimeoutSeconds: 6 * env.functions.delivery.timeoutSeconds,
      messageRetentionSeconds: 4 * 24 * 60 * 60,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: webhookDeadLetters.arn, maxReceiveCount: 5 }),
    });
    new LambdaEventSourceMapping(this, 'webhook_retries_mapping', {
      eventSourceArn: retries.arn,
      functionName: deliveryFunction,
      batchSize: 10,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });

    this.output('positions_stream_mapping_uuid', { value: positionsMapping.uuid, description: 'The positions stream → events function mapping (aws lambda get-event-source-mapping --uuid)' });
    this.output('events_stream_mapping_uuid', { value: eventsMapping.uuid, description: 'The events stream → delivery function mapping' });
    this.output('event_bus_name', { value: bus.name, description: 'The bus every change of the event log is published to' });
    this.output('event_bus_arn', { value: bus.arn, description: 'ARN of the bus (for rules in other stacks)' });
    this.output('webhook_retry_queue_url', { value: retries.url, description: 'Webhook deliveries waiting for their next attempt' });
    this.output('webhook_dead_letter_queue_arn', { value: webhookDeadLetters.arn, description: 'Webhook deliveries past their last attempt (alarm webhook-dead-letters)' });
    this.output('bus_dead_letter_queue_arn', { value: busDeadLetters.arn, description: 'Events a bus rule could not hand to its target (alarm bus-dead-letters)' });
  }
}
