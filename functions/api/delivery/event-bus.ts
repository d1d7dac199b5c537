import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { FastifyBaseLogger } from 'fastify';
import type { EventMessage } from './event-message';

/** Where the event log's changes are published: the EventBridge bus (AWS) or this process (local). */
export interface EventBus {
  publish(messages: readonly EventMessage[]): Promise<void>;
}

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;
const ATTEMPTS = 5;

/**
 * The EventBridge bus `vehicle-tracking-<env>-events`. Entries EventBridge reports as failed (it
 * answers 200 with per-entry errors, e.g. throttling) are sent again with backoff; still failing
 * after that throws, so the stream batch is retried and, in the end, dead-lettered: a change is
 * published at least once, never silently dropped.
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async publish(messages: readonly EventMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += ENTRIES_PER_CALL) {
      let entries: PutEventsRequestEntry[] = messages.slice(i, i + ENTRIES_PER_CALL).map((message) => ({
        EventBusName: this.busName,
        Source: message.source,
        DetailType: message['detail-type'],
        Time: new Date(message.time),
        Resources: [],
        Detail: JSON.stringify(message.detail),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        if (attempt > 1) await this.sleep(25 * 2 ** attempt * Math.random());
        const answer = await this.client.send(new PutEventsCommand({ Entries: entries }));
        const failed = entries.filter((_, j) => answer.Entries?.[j]?.ErrorCode !== undefined);
        if (failed.length > 0 && attempt >= ATTEMPTS) {
          const first = answer.Entries?.find((entry) => entry.ErrorCode !== undefined);
          throw new Error(`EventBridge refused ${failed.length} of ${entries.length} entries after ${ATTEMPTS} attempts: ${first?.ErrorCode} ${first?.ErrorMessage ?? ''}`.trim());
        }
        entries = failed;
      }
    }
  }
}

/**
 * The dev server's bus: logs every message, as a rule with a log group target would keep it, and
 * hands it to the rules' local targets (the webhooks).
 */
export class LocalEventBus implements EventBus {
  constructor(
    private readonly targets: readonly ((message: EventMessage) => Promise<void>)[],
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Each message to each target on its own: one that fails (logged) never keeps the others from theirs. */
  async publish(messages: readonly EventMessage[]): Promise<void> {
    await Promise.all(
      messages.map(async (message) => {
        this.log.info(
          { busEvent: { id: message.id, 'detail-type': message['detail-type'], EventType: message.detail.EventType, vehicleId: message.detail.DeviceId, change: message.detail.change } },
          'event bus',
        );
        const results = await Promise.allSettled(this.targets.map((target) => target(message)));
        for (const result of results) {
          if (result.status === 'rejected') this.log.error({ err: result.reason, delivery: message.id }, 'a bus target failed on this message: it is not delivered there (the dev server does not retry it)');
        }
      }),
    );
  }
}
