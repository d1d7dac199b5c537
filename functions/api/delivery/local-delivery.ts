import type { FastifyBaseLogger } from 'fastify';
import { WEBHOOK_TIMEOUT_MS } from '../../../config/delivery';
import type { EventChangeListener } from '../services/event-store';
import type { WebhookStore } from '../services/webhook-store';
import { LocalEventBus } from './event-bus';
import { eventMessage } from './event-message';
import { InProcessRetries, LoggedDeadLetters } from './retry-queues';
import { WebhookDelivery } from './webhook-delivery';
import type { WebhookDirectory } from './webhook-directory';
import { WebhookSender } from './webhook-sender';

/**
 * The dev server's (and tests') stand-in for the events table's stream, the bus and the delivery
 * function: each change the event store writes is published on a logging local bus, whose one
 * target delivers webhooks for real, with retries on timers and dead letters in the log.
 */
export class LocalDelivery {
  readonly retries: InProcessRetries;
  readonly deadLetters = new LoggedDeadLetters();
  readonly webhooks: WebhookDelivery;
  private readonly bus: LocalEventBus;
  private readonly publishing = new Set<Promise<void>>();

  constructor(store: WebhookStore, directory: WebhookDirectory, options: { allowPrivateTargets: boolean; retryDelaysSeconds: readonly number[] }, private readonly log: FastifyBaseLogger) {
    this.retries = new InProcessRetries(log);
    const sender = new WebhookSender({ allowPrivateTargets: options.allowPrivateTargets, timeoutMs: WEBHOOK_TIMEOUT_MS });
    this.webhooks = new WebhookDelivery(directory, store, sender, this.retries, this.deadLetters, options.retryDelaysSeconds, log);
    this.retries.attach((job) => this.webhooks.retry(job));
    this.bus = new LocalEventBus([(message) => this.webhooks.deliver(message)], log);
  }

  /** EventStore's listener: publish after the write, outside the evaluation (as the stream does). */
  readonly onChange: EventChangeListener = (events) => {
    const run = this.bus.publish(events.map(eventMessage)).catch((error: Error) => this.log.error({ err: error }, 'local event delivery failed'));
    this.publishing.add(run);
    void run.finally(() => this.publishing.delete(run));
  };

  /** Resolves once every change so far is published and first attempts are made. */
  async published(): Promise<void> {
    while (this.publishing.size > 0) await Promise.all(this.publishing);
  }

  /** Also waits for every scheduled retry (tests with short delays). */
  async settled(): Promise<void> {
    await this.published();
    await this.retries.settled();
    await this.published();
  }
}
