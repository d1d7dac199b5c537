import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EVENTS_TABLE } from '../../../config/tables';
import type { EventType } from '../domain/events';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';
import { withBackoff } from './retry';

const PK = EVENTS_TABLE.partitionKey.name;
const SK = EVENTS_TABLE.sortKey!.name;
const TTL = EVENTS_TABLE.ttlAttribute!;
const BY_FLEET = EVENTS_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byFleet')!;
const BY_DAY = EVENTS_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byDay')!;
const BY_CHANGE = EVENTS_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byChange')!;
const DAY_SECONDS = 24 * 60 * 60;

/** An event as stored: the events table item. */
export interface StoredEvent {
  readonly id: string;
  readonly vehicleId: string;
  readonly eventKey: string;
  readonly type: EventType;
  readonly fleetId?: string;
  /** UTC day of the fix, `YYYY-MM-DD` (the byDay index). */
  readonly eventDay: string;
  readonly geofenceId?: string;
  readonly geofenceName?: string;
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly speed?: number;
  readonly heading?: number;
  readonly alarm?: string;
  /** overspeed: the limit exceeded (km/h). */
  readonly speedLimitKmh?: number;
  /** When the platform derived it (epoch ms). */
  readonly detectedAt: number;
  /** Events this one replaces: retracted by the same correction. */
  readonly supersedes?: readonly string[];
  /** Set when a later-arriving fix showed the transition did not happen there (epoch ms). */
  readonly retractedAt?: number;
  /** UTC day of the last change (raised or retracted): the byChange index's partition. */
  readonly changeDay: string;
  /** `<change time, 15 digits>#<vehicleId>#<eventKey>`: the order of the changes feed. */
  readonly changeKey: string;
}

/** Stamps an event with the time of its last change (raised, retracted, raised again). */
export function changed(event: Omit<StoredEvent, 'changeDay' | 'changeKey'>, at: number): StoredEvent {
  return { ...event, changeDay: new Date(at).toISOString().slice(0, 10), changeKey: `${String(at).padStart(15, '0')}#${event.vehicleId}#${event.eventKey}` };
}

export interface EventQuery {
  readonly vehicleId?: string;
  readonly fleetId?: string;
  /** Without vehicleId or fleetId: the byDay partition to read. */
  readonly day?: string;
  readonly fromKey: string;
  readonly toKey: string;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly type?: EventType;
  readonly withRetracted: boolean;
  readonly startKey?: Record<string, string>;
}

/** Told of every event the store wrote (each write is a change: raised, retracted, raised again). */
export type EventChangeListener = (events: readonly StoredEvent[]) => void;

/**
 * The events table: one item per (vehicle, event key); written whole, so a replay rewrites the same
 * item. In AWS the table's stream carries every write to the delivery function; locally (no streams)
 * `onChange` hears of each write once it succeeded.
 */
export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
    private readonly onChange?: EventChangeListener,
  ) {}

  /** A vehicle's events, retracted ones included, with keys in [fromKey, toKey] (strongly consistent). */
  async ofVehicle(vehicleId: string, fromKey: string, toKey: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': vehicleId, ':from': fromKey, ':to': toKey },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        ),
      );
      events.push(...((page.Items ?? []) as StoredEvent[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  /** Writes events whole, 25 per BatchWriteItem, unprocessed ones retried; throws if some could not be written. */
  async putAll(events: readonly StoredEvent[]): Promise<void> {
    const keyOf = (event: { vehicleId: string; eventKey: string }) => `${event.vehicleId}#${event.eventKey}`;
    for (let i = 0; i < events.length; i += 25) {
      let waiting = events.slice(i, i + 25);
      await withBackoff(async () => {
        const requests = waiting.map((event) => ({ PutRequest: { Item: this.item(event) } }));
        const { UnprocessedItems } = await storageCall(() => this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } })));
        const unprocessed = new Set(((UnprocessedItems?.[this.table] ?? []) as typeof requests).map((request) => keyOf(request.PutRequest.Item)));
        // What was written is a change even if the rest fails: it is announced now.
        const written = waiting.filter((event) => !unprocessed.has(keyOf(event)));
        if (written.length > 0) this.onChange?.(written);
        waiting = waiting.filter((event) => unprocessed.has(keyOf(event)));
        return waiting.length === 0;
      });
    }
  }

  private item(event: StoredEvent) {
    return { ...event, [TTL]: Math.floor(event.ts / 1000) + this.retentionDays * DAY_SECONDS };
  }

  /** Writes the event unless it exists (a sweep retried, or two at once): it is raised once, never re-stamped. */
  async putIfAbsent(event: StoredEvent): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: this.item(event),
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': SK },
          }),
        ),
      );
      this.onChange?.([event]);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** One page of one UTC day's changes (raised or retracted events) from `fromKey` on, in change order. */
  async changes(query: { day: string; fromKey: string; limit: number; startKey?: Record<string, string> }): Promise<{ events: StoredEvent[]; lastKey?: Record<string, string> }> {
    const page = await storageCall(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: BY_CHANGE.name,
          KeyConditionExpression: '#pk = :pk AND #sk >= :from',
          ExpressionAttributeNames: { '#pk': BY_CHANGE.partitionKey.name, '#sk': BY_CHANGE.sortKey!.name },
          ExpressionAttributeValues: { ':pk': query.day, ':from': query.fromKey },
          Limit: query.limit,
          ExclusiveStartKey: query.startKey,
        }),
      ),
    );
    return { events: (page.Items ?? []) as StoredEvent[], lastKey: page.LastEvaluatedKey as Record<string, string> | undefined };
  }

  /** One page of events in key (fix time) order, for the events routes. */
  async list(query: EventQuery): Promise<{ events: StoredEvent[]; lastKey?: Record<string, string> }> {
    const [partitionName, partitionValue, indexName] = query.vehicleId
      ? [PK, query.vehicleId, undefined]
      : query.fleetId
        ? [BY_FLEET.partitionKey.name, query.fleetId, BY_FLEET.name]
        : [BY_DAY.partitionKey.name, query.day!, BY_DAY.name];
    const filters = [...(query.withRetracted ? [] : ['attribute_not_exists(retractedAt)']), ...(query.type ? ['#type = :type'] : [])];
    const events: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined = query.startKey;
    // Filters can thin a page; read on until it is full or the range ends (bounded).
    for (let round = 0; round < 5 && events.length < query.limit; round++) {
      const page = await storageCall(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: indexName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ...(filters.length && { FilterExpression: filters.join(' AND ') }),
            ExpressionAttributeNames: { '#pk': partitionName, '#sk': SK, ...(query.type && { '#type': 'type' }) },
            ExpressionAttributeValues: { ':pk': partitionValue, ':from': query.fromKey, ':to': query.toKey, ...(query.type && { ':type': query.type }) },
            ScanIndexForward: query.order === 'asc',
            Limit: query.limit - events.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      events.push(...((page.Items ?? []) as StoredEvent[]));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { events, lastKey: startKey as Record<string, string> | undefined };
  }
}
