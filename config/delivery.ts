/**
 * How the event log's changes leave the platform: the EventBridge bus `vehicle-tracking-<env>-events`
 * (module.events) and signed webhooks. The delivery function, the dev server, the tests and
 * help/EVENTS.md all read these values.
 */
import { PROJECT } from './names';

/** Every kind of event the log holds (GET /events' `type`). */
export const EVENT_TYPES = ['geofenceEnter', 'geofenceExit', 'overspeed', 'alarm', 'deviceOffline', 'deviceOnline'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** `source` of every event on the bus (Amazon Location's own events say `aws.geo`, reserved to AWS). */
export const EVENT_SOURCE = PROJECT;

/** `detail-type` of geofence enter/exit: Amazon Location's, so rules written for its events carry over. */
export const GEOFENCE_DETAIL_TYPE = 'Location Geofence Event';
/** `detail-type` of every other event (overspeed, alarm, deviceOffline, deviceOnline). */
export const VEHICLE_DETAIL_TYPE = 'Vehicle Tracking Event';

/** Another team's reader of the bus: a rule sends the events it asks for to its SQS queue. */
export interface EventConsumer {
  /** Slug, part of the rule's name `vehicle-tracking-<env>-events-<name>`. */
  readonly name: string;
  /** ARN of the SQS queue the rule sends to. */
  readonly queueArn: string;
  /** Event types (GET /events' `type`) it wants; all when left out. */
  readonly eventTypes?: readonly string[];
}

/** Built-in readers of the bus (module.events): their names are taken. */
export const BUILT_IN_CONSUMERS = ['webhooks', 'log'] as const;

/** A standard SQS queue ARN, so a typo fails at synth rather than at apply (a FIFO target would need a message group). */
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;

export function eventConsumerProblems(consumers: readonly EventConsumer[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, consumer] of consumers.entries()) {
    const at = `events.consumers[${i}]`;
    if (!/^[a-z][a-z0-9-]{1,19}$/.test(consumer.name)) problems.push(`${at}.name must be a lower-case slug of 2-20 characters`);
    if ((BUILT_IN_CONSUMERS as readonly string[]).includes(consumer.name)) problems.push(`${at}.name "${consumer.name}" is built in (${BUILT_IN_CONSUMERS.join(', ')})`);
    if (seen.has(consumer.name)) problems.push(`${at}.name "${consumer.name}" is used twice`);
    seen.add(consumer.name);
    if (consumer.queueArn.endsWith('.fifo')) problems.push(`${at}.queueArn: FIFO queues are not supported (the bus's order is not the log's; use a standard queue)`);
    else if (!QUEUE_ARN.test(consumer.queueArn)) problems.push(`${at}.queueArn must be an SQS queue ARN`);
    for (const type of consumer.eventTypes ?? []) {
      if (!(EVENT_TYPES as readonly string[]).includes(type)) problems.push(`${at}.eventTypes: "${type}" is not one of ${EVENT_TYPES.join(', ')}`);
    }
  }
  return problems;
}

/**
 * Webhook delivery: one attempt at once, then one after each of these delays (seconds; SQS delays a
 * message by at most 900 s), then the delivery is dead-lettered: 7 attempts over about 51 minutes.
 */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [10, 60, 300, 900, 900, 900] as const;
/** A receiver that has not answered within this (connect to last byte) has failed the attempt. */
export const WEBHOOK_TIMEOUT_MS = 5000;
/** Webhooks an environment holds at most: each event is matched against all of them. */
export const MAX_WEBHOOKS = 100;
/** After a secret is rotated, deliveries are signed with the old one too for this long (receivers move over). */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** Headers every delivery carries. */
export const WEBHOOK_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=<with the previous secret>]` */
  signature: 'x-vehicle-tracking-signature',
  /** The same for every attempt of one delivery: receivers drop repeats by it. */
  delivery: 'x-vehicle-tracking-delivery',
  /** The webhook it was sent for. */
  webhook: 'x-vehicle-tracking-webhook',
  /** 1 for the first attempt. */
  attempt: 'x-vehicle-tracking-attempt',
} as const;
