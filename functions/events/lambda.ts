import type { DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { loadConfig } from '../api/config';
import { Position, byVehicle } from '../api/domain/position';
import { EventEvaluator } from '../api/services/event-evaluator';
import { EventStore } from '../api/services/event-store';
import { createDocumentClient } from '../api/services/dynamo-client';
import { GeofenceIndex } from '../api/services/geofence-index';
import { GeofenceStore } from '../api/services/geofence-store';
import { PositionStore, positionFromItem } from '../api/services/position-store';
import { VehicleStore } from '../api/services/vehicle-store';

/**
 * `vehicle-tracking-<env>-events`: the positions table's stream, one batch at a time per shard (so
 * one vehicle's evaluations never overlap), derives the event log (EventEvaluator). A failed batch
 * is retried, halved, and finally sent to the function's dead-letter queue; evaluation is
 * idempotent, so a retry rewrites the same events.
 */
function init() {
  const config = loadConfig(process.env);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const evaluator = new EventEvaluator(
    new VehicleStore(db, config.vehiclesTable),
    new PositionStore(db, config.positionsTable, config.positionRetentionDays),
    new EventStore(db, config.eventsTable, config.positionRetentionDays),
    new GeofenceIndex(new GeofenceStore(db, config.geofencesTable), log),
    log,
  );
  return { evaluator, log, close: () => db.destroy() };
}

let container: ReturnType<typeof init> | undefined;

/** The fixes a batch stored (inserted or rewritten), by vehicle, in stream order. */
export function fixesByVehicle(event: DynamoDBStreamEvent): Map<string, Position[]> {
  const fixes = event.Records.flatMap((record) => {
    const image = record.dynamodb?.NewImage;
    // Expiry (TTL) raises no event.
    return record.eventName === 'REMOVE' || !image ? [] : [positionFromItem(unmarshall(image as Record<string, AttributeValue>))];
  });
  return byVehicle(fixes);
}

export async function handler(event: DynamoDBStreamEvent): Promise<void> {
  container ??= init();
  const { evaluator, log } = container;
  const byVehicle = fixesByVehicle(event);
  // Vehicles are independent; within one, a single evaluation covers the whole batch.
  const results = await Promise.allSettled([...byVehicle].map(([vehicleId, fixes]) => evaluator.evaluate(vehicleId, fixes)));
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed.length > 0) {
    log.error({ err: failed[0].reason, failedVehicles: failed.length, vehicles: byVehicle.size }, 'event evaluation failed; the batch is retried');
    throw failed[0].reason;
  }
}

/** Tests: release the container's connections. */
export function closeContainer(): void {
  container?.close();
  container = undefined;
}
