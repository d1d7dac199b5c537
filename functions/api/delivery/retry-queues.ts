import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import type { DeadLetters, DeliveryJob, RetryScheduler } from './webhook-delivery';

/** SQS delays a message by at most 15 minutes. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** AWS: the next attempt waits in `vehicle-tracking-<env>-webhook-retries` (the delivery function reads it). */
export class SqsRetryQueue implements RetryScheduler {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async schedule(job: DeliveryJob, delaySeconds: number): Promise<void> {
    const DelaySeconds = Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job), DelaySeconds }));
  }
}

/**
 * AWS: `vehicle-tracking-<env>-webhook-dead-letters` (alarm `webhook-dead-letters`). A message is the
 * job itself plus why it failed, so moving it back to the retry queue (help/RUNBOOK.md) gives it one
 * more attempt.
 */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async put(job: DeliveryJob, error: string): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ ...job, lastError: error }) }));
  }
}

/** Reads a job back from a queue message; undefined for anything else. */
export function parseJob(body: string): DeliveryJob | undefined {
  try {
    const job = JSON.parse(body) as Partial<DeliveryJob>;
    if (typeof job.webhookId !== 'string' || !Number.isInteger(job.attempt) || typeof job.message?.id !== 'string') return undefined;
    return job as DeliveryJob;
  } catch {
    return undefined;
  }
}

/** Local: the next attempt waits on a timer in this process (a restart forgets it; the dev server only). */
export class InProcessRetries implements RetryScheduler {
  private readonly pending = new Set<Promise<void>>();
  private handler?: (job: DeliveryJob) => Promise<void>;

  constructor(private readonly log: FastifyBaseLogger) {}

  /** What runs a retry (the delivery, created after this). */
  attach(handler: (job: DeliveryJob) => Promise<void>): void {
    this.handler = handler;
  }

  async schedule(job: DeliveryJob, delaySeconds: number): Promise<void> {
    const run = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        (this.handler?.(job) ?? Promise.resolve())
          .catch((error: Error) => this.log.error({ err: error, webhookId: job.webhookId }, 'webhook retry failed'))
          .finally(() => resolve());
      }, delaySeconds * 1000);
      timer.unref();
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves once no retry waits or runs (tests; a dev server shutting down waits for none). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}

/** Local: a delivery past its last attempt is logged (WebhookDelivery logs it at error) and kept for inspection. */
export class LoggedDeadLetters implements DeadLetters {
  readonly letters: (DeliveryJob & { lastError: string })[] = [];

  async put(job: DeliveryJob, error: string): Promise<void> {
    this.letters.push({ ...job, lastError: error });
    if (this.letters.length > 100) this.letters.shift();
  }
}
