import { ApiError, FieldError, fieldErrorsProblem } from '../domain/errors';
import type { Position } from '../domain/position';
import { positionKey } from '../domain/position';
import { TimestampInput, checkPositionTimestamp } from '../domain/timestamps';
import { isRefusedAsSent } from './dynamo-client';
import { type LatestEntry, type PositionCache, latestEntryOf } from './position-cache';
import type { PositionStore } from './position-store';
import type { VehicleStore } from './vehicle-store';

/** A position as a client sent it (already schema-valid). */
export interface PositionInput {
  readonly lat: number;
  readonly lon: number;
  readonly timestamp: TimestampInput;
  readonly speed?: number;
  readonly heading?: number;
  readonly altitude?: number;
  readonly accuracy?: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

export interface IngestItem {
  readonly vehicleId: string;
  readonly input: PositionInput;
  /** How the client names this entry in errors: `positions[3]`, or '' for a single position. */
  readonly field: string;
}

export interface FailedPosition {
  readonly field: string;
  readonly vehicleId: string;
  readonly timestamp: TimestampInput;
  readonly reason: string;
  /** Whether resending it unchanged can succeed (false: the database refuses it as sent). */
  readonly retryable: boolean;
}

export interface IngestResult {
  readonly stored: number;
  readonly duplicatesInRequest: number;
  /** Positions NOT stored: the client must resend exactly these. Empty means all are durable. */
  readonly failed: FailedPosition[];
}

const at = (field: string, name: string) => (field ? `${field}.${name}` : name);

/**
 * The one ingest path for every route (JSON, batch, OsmAnd):
 * 1. validate everything (timestamps, vehicles exist): any problem rejects the whole request, nothing written;
 * 2. store history in DynamoDB (idempotent by vehicle + timestamp), retrying unprocessed items;
 * 3. move each vehicle's latest forward with a conditional write (out-of-order safe);
 * 4. write the new latest positions through to Redis, best effort.
 * A position counts as stored only after 2 and 3 succeeded for it; the rest are reported back.
 */
export class IngestService {
  constructor(
    private readonly vehicles: VehicleStore,
    private readonly positions: PositionStore,
    private readonly cache: PositionCache,
    private readonly retentionDays: number,
  ) {}

  async ingest(items: readonly IngestItem[], now = Date.now()): Promise<IngestResult> {
    const errors: FieldError[] = [];
    const parsed: { item: IngestItem; position: Position }[] = [];
    for (const item of items) {
      const checked = checkPositionTimestamp(item.input.timestamp, at(item.field, 'timestamp'), now, this.retentionDays);
      if ('error' in checked) errors.push(checked.error);
      else parsed.push({ item, position: toPosition(item, checked.ms, now) });
    }
    if (errors.length) throw fieldErrorsProblem(errors, '. Nothing was stored.');

    const vehicleIds = [...new Set(items.map((item) => item.vehicleId))];
    const known = await this.vehicles.existing(vehicleIds);
    const unknown = items.filter((item) => !known.has(item.vehicleId));
    if (unknown.length) {
      const ids = [...new Set(unknown.map((item) => item.vehicleId))];
      throw ApiError.notFound(
        `Unknown vehicle${ids.length > 1 ? 's' : ''}: ${ids.join(', ')}. Nothing was stored.`,
        unknown.map((item) => ({ field: at(item.field, 'vehicleId'), message: `vehicle ${item.vehicleId} does not exist` })),
      );
    }

    // One write per (vehicle, timestamp); the last entry of the request wins.
    const unique = new Map<string, Position>();
    for (const { position } of parsed) unique.set(positionKey(position), position);
    const failures = await this.positions.putAll([...unique.values()]);

    const newestByVehicle = new Map<string, Position>();
    for (const position of unique.values()) {
      if (failures.has(positionKey(position))) continue;
      const newest = newestByVehicle.get(position.vehicleId);
      if (!newest || position.ts > newest.ts) newestByVehicle.set(position.vehicleId, position);
    }
    const becameLatest: LatestEntry[] = [];
    await Promise.all(
      [...newestByVehicle.values()].map(async (position) => {
        try {
          // The cache entry is built from the item as this write left it: its fleet and revision
          // together, whatever changed since the existence check (a PATCH moving its fleet).
          const updated = await this.vehicles.setLatestIfNewer(position, known.get(position.vehicleId)!.createdAt);
          const entry = updated && latestEntryOf(updated);
          if (entry) becameLatest.push(entry);
        } catch (error) {
          const failure = isRefusedAsSent(error)
            ? { reason: `stored in history, but the database refuses it as the latest position (${(error as Error).name}); resending it unchanged will fail again`, retryable: false }
            : { reason: 'stored in history, but the latest position could not be updated; resend it', retryable: true };
          for (const other of unique.values()) {
            if (other.vehicleId === position.vehicleId && !failures.has(positionKey(other))) {
              failures.set(positionKey(other), failure);
            }
          }
        }
      }),
    );
    await this.cache.offerLatest(becameLatest, 'write');

    const failed = parsed
      .filter(({ position }) => failures.has(positionKey(position)))
      .map(({ item, position }) => ({
        field: item.field,
        vehicleId: item.vehicleId,
        timestamp: item.input.timestamp,
        ...failures.get(positionKey(position))!,
      }));
    return {
      stored: [...unique.keys()].filter((key) => !failures.has(key)).length,
      duplicatesInRequest: parsed.length - unique.size,
      failed,
    };
  }
}

function toPosition(item: IngestItem, ts: number, now: number): Position {
  const { input } = item;
  return {
    vehicleId: item.vehicleId,
    ts,
    lat: input.lat,
    lon: input.lon,
    ...(input.speed !== undefined && { speed: input.speed }),
    ...(input.heading !== undefined && { heading: input.heading }),
    ...(input.altitude !== undefined && { altitude: input.altitude }),
    ...(input.accuracy !== undefined && { accuracy: input.accuracy }),
    ...(input.attributes !== undefined && Object.keys(input.attributes).length > 0 && { attributes: input.attributes }),
    receivedAt: now,
  };
}
