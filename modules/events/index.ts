import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import type { EnvironmentConfig } from '../../config/environments';
import { ModuleStack } from '../core/module-stack';

export interface EventsModuleProps {
  readonly environment: EnvironmentConfig;
}

export type EventsInputs = 'positions_stream_arn' | 'events_function_alias_arn' | 'events_dead_letter_queue_arn';
export type EventsOutputs = 'positions_stream_mapping_uuid';

/** How the stream feeds the events function: see EventsModule. */
export const POSITIONS_STREAM_MAPPING = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 1,
  /** One batch at a time per shard: one vehicle's evaluations never overlap (EventEvaluator relies on it). */
  parallelizationFactor: 1,
  maximumRetryAttempts: 10,
  /** Older than this, a failing batch is given up on (dead-lettered) rather than hold its shard. */
  maximumRecordAgeInSeconds: 6 * 60 * 60,
} as const;

/**
 * module.events: the positions table's stream → the events function (module.api_services), which
 * derives the event log. A failing batch is retried, halved to isolate the bad record, and after
 * POSITIONS_STREAM_MAPPING.maximumRetryAttempts recorded in the function's dead-letter queue (the
 * `events-dead-letters` alarm; help/RUNBOOK.md says how to replay). Starts at the stream's oldest
 * record (TRIM_HORIZON): a mapping re-created in a recovery re-evaluates the last 24 hours, which is
 * harmless (evaluation is idempotent) and leaves no gap.
 */
export class EventsModule extends ModuleStack<EventsInputs, EventsOutputs> {
  constructor(_props: EventsModuleProps) {
    super('events');
    const arn = (name: EventsInputs, description: string) =>
      this.input(name, {
        type: 'string',
        description,
        validation: [{ condition: `can(regex("^arn:aws", var.${name}))`, errorMessage: `${name} must be an ARN.` }],
      }).stringValue;
    const streamArn = arn('positions_stream_arn', 'Stream of the positions table (module.database)');
    const functionArn = arn('events_function_alias_arn', 'The events function\'s live alias (module.api_services)');
    const deadLetters = arn('events_dead_letter_queue_arn', 'The events function\'s dead-letter queue (module.api_services)');

    const mapping = new LambdaEventSourceMapping(this, 'positions_stream', {
      eventSourceArn: streamArn,
      functionName: functionArn,
      startingPosition: 'TRIM_HORIZON',
      ...POSITIONS_STREAM_MAPPING,
      bisectBatchOnFunctionError: true,
      destinationConfig: { onFailure: { destinationArn: deadLetters } },
      // Expiry (TTL deletes) raises no event: those records never invoke the function.
      filterCriteria: { filter: [{ pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'] }) }] },
    });
    this.output('positions_stream_mapping_uuid', { value: mapping.uuid, description: 'The stream → events function mapping (aws lambda get-event-source-mapping --uuid)' });
  }
}
