import type { Webhook } from '../domain/webhook';
import { wants } from '../domain/webhook';
import type { EventType } from '../domain/events';
import type { WebhookStore } from '../services/webhook-store';

/** How long an instance delivers with the webhooks it read: a change reaches every instance within this. */
export const WEBHOOK_DIRECTORY_TTL_MS = 60_000;

/** Every webhook, read whole at most once a minute (MAX_WEBHOOKS bounds them), so matching an event costs no read. */
export class WebhookDirectory {
  private loaded?: { webhooks: Webhook[]; until: number };
  private loading?: Promise<Webhook[]>;

  constructor(
    private readonly store: WebhookStore,
    private readonly now: () => number = Date.now,
  ) {}

  async matching(event: { readonly type: EventType; readonly vehicleId: string; readonly fleetId?: string }): Promise<Webhook[]> {
    return (await this.all()).filter((webhook) => wants(webhook, event));
  }

  /** Forget what was read: this instance changed a webhook (or its delivery state). */
  invalidate(): void {
    this.loaded = undefined;
  }

  private async all(): Promise<Webhook[]> {
    if (this.loaded && this.loaded.until > this.now()) return this.loaded.webhooks;
    this.loading ??= this.store
      .all()
      .then((webhooks) => {
        this.loaded = { webhooks, until: this.now() + WEBHOOK_DIRECTORY_TTL_MS };
        return webhooks;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
