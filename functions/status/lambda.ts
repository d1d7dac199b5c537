import type { ScheduledEvent } from 'aws-lambda';
import pino from 'pino';
import { loadConfig } from '../api/config';
import { createDocumentClient } from '../api/services/dynamo-client';
import { EventStore } from '../api/services/event-store';
import { StatusSweep } from '../api/services/status-sweep';
import { VehicleStore } from '../api/services/vehicle-store';

/**
 * `vehicle-tracking-<env>-status`: run every minute by an EventBridge schedule, raises
 * deviceOffline / deviceOnline (StatusSweep). The dev server runs the same sweep on a timer.
 */
function init() {
  const config = loadConfig(process.env);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const db = createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const sweep = new StatusSweep(new VehicleStore(db, config.vehiclesTable), new EventStore(db, config.eventsTable, config.positionRetentionDays), config.offlineAfterMinutes * 60_000, log);
  return { sweep, close: () => db.destroy() };
}

let container: ReturnType<typeof init> | undefined;

export async function handler(event: ScheduledEvent): Promise<{ vehicles: number; offline: number; online: number }> {
  container ??= init();
  // The schedule's own time, so a retried invocation judges the minute it was meant for.
  const at = Date.parse(event.time);
  return container.sweep.run(Number.isFinite(at) ? at : Date.now());
}

/** Tests: release the container's connections. */
export function closeContainer(): void {
  container?.close();
  container = undefined;
}
