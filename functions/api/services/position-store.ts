import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { POSITIONS_TABLE } from '../../../config/tables';
import type { Position } from '../domain/position';
import { positionKey } from '../domain/position';
import { isRefusedAsSent, storageCall } from './dynamo-client';
import { MAX_ATTEMPTS, backoffMs, sleep, withBackoff } from './retry';

const PK = POSITIONS_TABLE.partitionKey.name;
const SK = POSITIONS_TABLE.sortKey!.name;
const TTL = POSITIONS_TABLE.ttlAttribute!;
const DAY_SECONDS = 24 * 60 * 60;
/** BatchWriteItem's limit. */
const BATCH_SIZE = 25;

/** Fixes historyContinues() looks past, at most, for one that counts. */
const HISTORY_LOOKAHEAD = 1000;
/** Items a history() round after the first reads at least, whatever the page size. */
const HISTORY_MIN_READ = 100;

export interface HistoryQuery {
  readonly vehicleId: string;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly order: 'asc' | 'desc';
  /** Resume after this timestamp (from a cursor). */
  readonly after?: number;
  /** Positions received before this belong to an earlier vehicle with the same id. */
  readonly receivedSince: number;
  readonly now: number;
  /** Also fixes stored as filtered (implausible); left out by default. */
  readonly withFiltered?: boolean;
}

export interface HistoryPage {
  readonly positions: Position[];
  /** Timestamp to resume after, when there may be more. */
  readonly next?: number;
  /** A position that counts follows `next` for certain; false with a `next`: maybe (historyContinues tells). */
  readonly more: boolean;
}

/** A position not stored: why, and whether resending it unchanged can succeed. */
export interface WriteFailure {
  readonly reason: string;
  readonly retryable: boolean;
}

/** The positions not stored, by positionKey. */
export type WriteFailures = Map<string, WriteFailure>;

/** Set on history items by `npm run replay-events`: the change makes the stream deliver them again. */
export const REPLAY_MARK = 'replayedAt';

/** A position from its history item (a read, or a stream record's image). */
export function positionFromItem(item: Record<string, unknown>): Position {
  const { [PK]: vehicleId, [SK]: ts, [TTL]: _expiresAt, [REPLAY_MARK]: _replayed, ...rest } = item;
  return { ...(rest as Omit<Position, 'vehicleId' | 'ts'>), vehicleId: vehicleId as string, ts: ts as number };
}

/** The position history table: one item per (vehicle, timestamp), so resending never duplicates. */
export class PositionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  private toItem(position: Position): Record<string, unknown> {
    const { vehicleId, ts, ...rest } = position;
    // Expires a retention after the fix, or after its arrival when a clock ahead stamped it later.
    return { ...rest, [PK]: vehicleId, [SK]: ts, [TTL]: Math.floor(Math.min(ts, position.receivedAt) / 1000) + this.retentionDays * DAY_SECONDS };
  }

  private fromItem(item: Record<string, unknown>): Position {
    return positionFromItem(item);
  }

  /**
   * Writes positions (unique by vehicle and timestamp) in batches of 25. Unprocessed items are
   * retried with backoff; what is still not stored after that, or whose whole batch failed, is
   * returned with the reason. Everything not returned is durably stored.
   */
  async putAll(positions: readonly Position[]): Promise<WriteFailures> {
    const failures: WriteFailures = new Map();
    const batches: Position[][] = [];
    for (let i = 0; i < positions.length; i += BATCH_SIZE) batches.push(positions.slice(i, i + BATCH_SIZE));
    await Promise.all(batches.map((batch) => this.putBatch(batch, failures)));
    return failures;
  }

  private async putBatch(batch: readonly Position[], failures: WriteFailures): Promise<void> {
    let pending = batch.map((position) => ({ position, item: this.toItem(position) }));
    for (let attempt = 0; attempt < MAX_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt));
      try {
        const { UnprocessedItems } = await this.db.send(
          new BatchWriteCommand({
            RequestItems: { [this.table]: pending.map(({ item }) => ({ PutRequest: { Item: item } })) },
          }),
        );
        const unprocessed = new Set(
          (UnprocessedItems?.[this.table] ?? []).map((request) => {
            const item = request.PutRequest!.Item!;
            return positionKey({ vehicleId: item[PK] as string, ts: item[SK] as number });
          }),
        );
        pending = pending.filter(({ position }) => unprocessed.has(positionKey(position)));
      } catch (error) {
        if (isRefusedAsSent(error)) {
          // DynamoDB refuses a whole batch for one bad item: write the rest one by one, so only it fails.
          if (pending.length > 1) {
            await Promise.all(pending.map(({ position }) => this.putBatch([position], failures)));
            return;
          }
          for (const { position } of pending) {
            failures.set(positionKey(position), {
              reason: `rejected by the database (${(error as Error).name}): this position cannot be stored as sent; resending it unchanged will fail again`,
              retryable: false,
            });
          }
          return;
        }
        // Throttled, unreachable, or a fault of ours (credentials, a table mid cut-over): the whole
        // batch is retried, then reported for the client to resend.
      }
    }
    for (const { position } of pending) {
      failures.set(positionKey(position), { reason: 'not stored: the database was throttling or unavailable; resend it', retryable: true });
    }
  }

  /** One page of a vehicle's history in time order, skipping expired and earlier-incarnation items. */
  async history(query: HistoryQuery): Promise<HistoryPage> {
    const positions: Position[] = [];
    let startKey: Record<string, unknown> | undefined =
      query.after === undefined ? undefined : { [PK]: query.vehicleId, [SK]: query.after };
    // Filters can thin a page; read on until it is full or the range ends (bounded).
    for (let round = 0; round < 5 && positions.length < query.limit; round++) {
      const wanted = query.limit - positions.length;
      // One more than wanted: if it comes back, a position follows the page for certain. Once a
      // round has met fixes that do not count, read on in larger steps (a small page past a long run).
      const read = round === 0 ? wanted + 1 : Math.max(wanted + 1, HISTORY_MIN_READ);
      const page = await storageCall(() => this.db.send(this.historyQuery(query, { Limit: read, ExclusiveStartKey: startKey })));
      const items = (page.Items ?? []).map((item) => this.fromItem(item));
      if (items.length > wanted) {
        positions.push(...items.slice(0, wanted));
        return { positions, next: positions[positions.length - 1].ts, more: true };
      }
      positions.push(...items);
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { positions, next: startKey ? (startKey[SK] as number) : undefined, more: false };
  }

  /**
   * Whether the range holds a fix history() would return after `query.after`, for a page whose
   * `more` could not tell (DynamoDB hands back a key whenever a page fills, with or without more
   * behind it). Keys only, but DynamoDB bills the items it reads: the next fix, and if it does not
   * count (filtered, expired, an earlier vehicle's) one read past up to HISTORY_LOOKAHEAD more;
   * beyond those it answers true, as a page's key would.
   */
  async historyContinues(query: Omit<HistoryQuery, 'limit'>): Promise<boolean> {
    let startKey: Record<string, unknown> | undefined = query.after === undefined ? undefined : { [PK]: query.vehicleId, [SK]: query.after };
    for (const Limit of [1, HISTORY_LOOKAHEAD]) {
      const page = await storageCall(() => this.db.send(this.historyQuery(query, { Limit, ExclusiveStartKey: startKey, ProjectionExpression: '#pk, #sk' })));
      if ((page.Items ?? []).length > 0) return true;
      if (!page.LastEvaluatedKey) return false;
      startKey = page.LastEvaluatedKey;
    }
    return true;
  }

  private historyQuery(query: Omit<HistoryQuery, 'limit'>, page: Pick<QueryCommandInput, 'Limit' | 'ExclusiveStartKey' | 'ProjectionExpression'>): QueryCommand {
    return new QueryCommand({
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      FilterExpression: `receivedAt >= :since AND (attribute_not_exists(#ttl) OR #ttl > :nowSeconds)${query.withFiltered ? '' : ' AND attribute_not_exists(filtered)'}`,
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#ttl': TTL },
      ExpressionAttributeValues: {
        ':pk': query.vehicleId,
        ':from': query.from,
        ':to': query.to,
        ':since': query.receivedSince,
        ':nowSeconds': Math.floor(query.now / 1000),
      },
      ScanIndexForward: query.order === 'asc',
      ConsistentRead: true,
      ...page,
    });
  }

  /** Which of these (vehicle, timestamp) keys history holds already (strongly consistent). */
  async existingKeys(positions: readonly Pick<Position, 'vehicleId' | 'ts'>[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < positions.length; i += 100) {
      let keys: Record<string, unknown>[] = positions.slice(i, i + 100).map((p) => ({ [PK]: p.vehicleId, [SK]: p.ts }));
      await withBackoff(async () => {
        const { Responses, UnprocessedKeys } = await storageCall(() =>
          this.db.send(
            new BatchGetCommand({
              RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: '#pk, #sk', ExpressionAttributeNames: { '#pk': PK, '#sk': SK } } },
            }),
          ),
        );
        for (const item of Responses?.[this.table] ?? []) found.add(positionKey({ vehicleId: item[PK] as string, ts: item[SK] as number }));
        keys = (UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        return keys.length === 0;
      });
    }
    return found;
  }

  /**
   * The kept (not filtered) fix nearest `ts` on one side of it, exclusive: the neighbour an event
   * window starts or ends with. Reads past filtered fixes (a phone parked underground sends them for
   * hours); past 20,000 of them it fails rather than guess (the evaluation is retried, then
   * dead-lettered and alarmed).
   */
  async keptNeighbour(vehicleId: string, ts: number, side: 'before' | 'after', receivedSince: number, now: number): Promise<Position | undefined> {
    let startKey: Record<string, unknown> | undefined;
    for (let round = 0; round < 41; round++) {
      const page = await storageCall(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: side === 'before' ? '#pk = :pk AND #sk < :ts' : '#pk = :pk AND #sk > :ts',
            FilterExpression: 'receivedAt >= :since AND (attribute_not_exists(#ttl) OR #ttl > :nowSeconds) AND attribute_not_exists(filtered)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#ttl': TTL },
            ExpressionAttributeValues: { ':pk': vehicleId, ':ts': ts, ':since': receivedSince, ':nowSeconds': Math.floor(now / 1000) },
            ScanIndexForward: side === 'after',
            Limit: round === 0 ? 10 : 500,
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        ),
      );
      const found = page.Items?.[0];
      if (found) return this.fromItem(found);
      startKey = page.LastEvaluatedKey;
      if (!startKey) return undefined;
    }
    throw new Error(`more than 20,000 filtered fixes ${side} ${new Date(ts).toISOString()} for vehicle ${vehicleId}: no kept neighbour found`);
  }

  async probe(): Promise<void> {
    await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': '__health__' },
        Limit: 1,
      }),
    );
  }
}
