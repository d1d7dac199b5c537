/**
 * Alarm thresholds from the runbook ("Alert Thresholds"), each with the help/RUNBOOK.md section an
 * on-call engineer opens when it fires. module.monitoring builds the alarms from this list and
 * help/ quotes it; tests keep all three in step.
 */
export interface AlarmThreshold {
  /** Short id used in alarm names: `vehicle-tracking-<env>-<id>[-<subject>]`. */
  readonly id: string;
  readonly description: string;
  readonly threshold: number;
  readonly unit: string;
  /** Seconds per evaluation period. */
  readonly periodSeconds: number;
  /** Heading in help/RUNBOOK.md. */
  readonly runbookSection: string;
}

export const THRESHOLDS = {
  api5xxRate: {
    id: 'api-5xx-rate',
    description: 'API Gateway 5XX responses above 5 % of requests over 5 minutes',
    threshold: 5,
    unit: 'percent',
    periodSeconds: 300,
    runbookSection: 'Lambda Function Errors',
  },
  api4xxRate: {
    id: 'api-4xx-rate',
    description: 'API Gateway 4XX responses above 5 % of requests over 5 minutes',
    threshold: 5,
    unit: 'percent',
    periodSeconds: 300,
    runbookSection: 'Client Errors',
  },
  apiLatencyP99: {
    id: 'api-latency-p99',
    description: 'API Gateway p99 latency above 1000 ms over 5 minutes',
    threshold: 1000,
    unit: 'milliseconds',
    periodSeconds: 300,
    runbookSection: 'High API Latency',
  },
  lambdaDuration: {
    id: 'lambda-duration',
    description: 'Lambda duration above 10 seconds',
    threshold: 10_000,
    unit: 'milliseconds',
    periodSeconds: 60,
    runbookSection: 'High API Latency',
  },
  lambdaErrors: {
    id: 'lambda-errors',
    description: 'Lambda errors above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 60,
    runbookSection: 'Lambda Function Errors',
  },
  dynamodbReadThrottles: {
    id: 'dynamodb-read-throttles',
    description: 'DynamoDB read throttle events above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 60,
    runbookSection: 'DynamoDB Throttling',
  },
  dynamodbWriteThrottles: {
    id: 'dynamodb-write-throttles',
    description: 'DynamoDB write throttle events above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 60,
    runbookSection: 'DynamoDB Throttling',
  },
  cacheCpu: {
    id: 'cache-cpu',
    description: 'ElastiCache engine CPU (the Redis thread) above 80 % per node',
    threshold: 80,
    unit: 'percent',
    periodSeconds: 300,
    runbookSection: 'Cache CPU High',
  },
  eventsDeadLetters: {
    id: 'events-dead-letters',
    description: 'Stream batches the events function gave up on (its dead-letter queue holds messages) above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 300,
    runbookSection: 'Event Evaluation Failures',
  },
  eventsIteratorAge: {
    id: 'events-iterator-age',
    description: 'The events function more than 5 minutes behind the positions stream',
    threshold: 300_000,
    unit: 'milliseconds',
    periodSeconds: 60,
    runbookSection: 'Event Evaluation Failures',
  },
  deliveryDeadLetters: {
    id: 'delivery-dead-letters',
    description: 'Changes the delivery function gave up on publishing or handing to webhooks (its dead-letter queue holds messages) above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 300,
    runbookSection: 'Event Delivery Failures',
  },
  deliveryIteratorAge: {
    id: 'delivery-iterator-age',
    description: 'The delivery function more than 5 minutes behind the events stream',
    threshold: 300_000,
    unit: 'milliseconds',
    periodSeconds: 60,
    runbookSection: 'Event Delivery Failures',
  },
  busFailedInvocations: {
    id: 'bus-failed-invocations',
    description: 'A bus rule could not invoke its target (per rule) above 0 over 5 minutes',
    threshold: 0,
    unit: 'count',
    periodSeconds: 300,
    runbookSection: 'Event Delivery Failures',
  },
  busDeadLetters: {
    id: 'bus-dead-letters',
    description: 'Events a bus rule gave up handing to its target (its dead-letter queue holds messages) above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 300,
    runbookSection: 'Event Delivery Failures',
  },
  webhookDeadLetters: {
    id: 'webhook-dead-letters',
    description: 'Webhook deliveries past their last attempt (a receiver refused them for about 51 minutes) above 0',
    threshold: 0,
    unit: 'count',
    periodSeconds: 300,
    runbookSection: 'Event Delivery Failures',
  },
} as const satisfies Record<string, AlarmThreshold>;

/** GitHub-style anchor of a RUNBOOK.md heading. */
export function runbookAnchor(section: string): string {
  return section.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}
