import type { FastifyBaseLogger } from 'fastify';
import { Position, byVehicle } from '../domain/position';
import type { EventEvaluator } from './event-evaluator';

/** Where ingest announces the fixes it stored, for event evaluation. */
export interface EventFeed {
  publish(fixes: readonly Position[]): void;
  /** Resolves once everything published so far is evaluated (tests; a dev server shutting down). */
  settled(): Promise<void>;
}

/**
 * In AWS the positions table's stream delivers every stored fix to the events function, in order
 * per vehicle, one batch at a time per shard: ingest itself publishes nothing.
 */
export const STREAM_EVENT_FEED: EventFeed = { publish: () => undefined, settled: async () => undefined };

/**
 * The dev server's and tests' stand-in for the stream: evaluations run in this process after the
 * answer, one at a time per vehicle (as a shard runs them), in publication order. A failed
 * evaluation is logged and retried once, as the stream retries a batch.
 */
export class InProcessEventFeed implements EventFeed {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly evaluator: EventEvaluator,
    private readonly log: FastifyBaseLogger,
  ) {}

  publish(fixes: readonly Position[]): void {
    for (const [vehicleId, own] of byVehicle(fixes)) {
      const run = () => this.evaluator.evaluate(vehicleId, own);
      const queued = (this.queues.get(vehicleId) ?? Promise.resolve())
        .then(() => run().catch(run))
        .catch((error: Error) => this.log.error({ err: error, vehicleId }, 'event evaluation failed'))
        .finally(() => {
          if (this.queues.get(vehicleId) === queued) this.queues.delete(vehicleId);
        });
      this.queues.set(vehicleId, queued);
    }
  }

  async settled(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }
}
