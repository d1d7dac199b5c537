import type { FastifyBaseLogger } from 'fastify';
import { WEBHOOK_HEADERS } from '../../../config/delivery';
import { Webhook, signingSecrets } from '../domain/webhook';
import type { WebhookStore } from '../services/webhook-store';
import type { EventMessage } from './event-message';
import { signatureHeader } from './signature';
import type { WebhookDirectory } from './webhook-directory';
import type { SendResult, WebhookSender } from './webhook-sender';

/** One message for one webhook, and which attempt comes next (1 = the first). The retry queue carries these. */
export interface DeliveryJob {
  readonly webhookId: string;
  readonly message: EventMessage;
  readonly attempt: number;
}

/** Where a failed attempt's next one waits: an SQS queue with a delay (AWS), a timer (local). */
export interface RetryScheduler {
  schedule(job: DeliveryJob, delaySeconds: number): Promise<void>;
}

/** Where a delivery goes after its last attempt: an SQS queue with an alarm (AWS), the log (local). */
export interface DeadLetters {
  put(job: DeliveryJob, error: string): Promise<void>;
}

/**
 * Webhook delivery, at least once: each change of the event log is POSTed, signed, to every webhook
 * that wants it. A failed attempt (not a 2xx within the timeout) is retried after each of
 * `delays` (seconds), one webhook at a time, so one receiver's outage never repeats a delivery to
 * the others; after the last, the delivery is dead-lettered. Every attempt of a delivery carries
 * the same delivery id: receivers drop repeats by it.
 */
export class WebhookDelivery {
  constructor(
    private readonly directory: WebhookDirectory,
    private readonly store: WebhookStore,
    private readonly sender: WebhookSender,
    private readonly retries: RetryScheduler,
    private readonly deadLetters: DeadLetters,
    private readonly delays: readonly number[],
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A change published on the bus: the first attempt to each webhook that wants it. */
  async deliver(message: EventMessage): Promise<void> {
    const { type, vehicleId, fleetId } = message.detail.event;
    const webhooks = await this.directory.matching({ type, vehicleId, fleetId: fleetId ?? undefined });
    await Promise.all(webhooks.map((webhook) => this.attempt(webhook, { webhookId: webhook.id, message, attempt: 1 })));
  }

  /** A later attempt, from the retry queue: with the webhook as it is now (deleted or disabled: dropped). */
  async retry(job: DeliveryJob): Promise<void> {
    const webhook = await this.store.get(job.webhookId);
    if (!webhook || !webhook.enabled) {
      this.log.info({ webhookId: job.webhookId, delivery: job.message.id }, `webhook ${webhook ? 'disabled' : 'deleted'}: delivery dropped`);
      return;
    }
    await this.attempt(webhook, job);
  }

  private async attempt(webhook: Webhook, job: DeliveryJob): Promise<void> {
    const result = await this.post(webhook, job.message, job.attempt);
    const log = { webhookId: webhook.id, delivery: job.message.id, attempt: job.attempt, status: result.status, ms: result.ms };
    if (result.ok) {
      this.log.debug(log, 'webhook delivered');
      return;
    }
    if (job.attempt <= this.delays.length) {
      const delaySeconds = this.delays[job.attempt - 1];
      this.log.warn({ ...log, error: result.error, retryInSeconds: delaySeconds }, 'webhook attempt failed');
      await this.retries.schedule({ ...job, attempt: job.attempt + 1 }, delaySeconds);
    } else {
      this.log.error({ ...log, error: result.error }, 'webhook delivery dead-lettered after its last attempt');
      await this.deadLetters.put(job, result.error ?? 'failed');
    }
  }

  private async post(webhook: Webhook, message: EventMessage, attempt: number): Promise<SendResult> {
    const now = this.now();
    const body = JSON.stringify(message);
    const result = await this.sender.send(webhook.url, body, {
      [WEBHOOK_HEADERS.signature]: signatureHeader(signingSecrets(webhook, now), body, Math.floor(now / 1000)),
      [WEBHOOK_HEADERS.delivery]: message.id,
      [WEBHOOK_HEADERS.webhook]: webhook.id,
      [WEBHOOK_HEADERS.attempt]: String(attempt),
    });
    await this.recordOutcome(webhook, result, now);
    return result;
  }

  /** failingSince / lastError on the webhook, written only when the state flips (see WebhookStore.recordOutcome). */
  private async recordOutcome(webhook: Webhook, result: SendResult, now: number): Promise<void> {
    const failing = webhook.failingSince !== undefined;
    if (result.ok === !failing) return;
    try {
      await this.store.recordOutcome(webhook.id, result.ok ? { ok: true } : { ok: false, at: now, error: result.error ?? 'failed' });
      this.directory.invalidate();
    } catch (error) {
      // The state is advice for people; delivery goes on without it.
      this.log.warn({ err: error, webhookId: webhook.id }, 'could not record the webhook\'s delivery state');
    }
  }
}
