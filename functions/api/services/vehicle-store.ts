import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { GEO_CELL_PRECISION, GEO_TILE_PRECISION, VEHICLES_TABLE } from '../../../config/tables';
import { geohash } from '../domain/geo';
import { ApiError } from '../domain/errors';
import type { Position } from '../domain/position';
import type { TrackerStatus, Vehicle, VehicleType } from '../domain/vehicle';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';
import { withBackoff } from './retry';

const KEY = VEHICLES_TABLE.partitionKey.name;
const BY_FLEET = VEHICLES_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byFleet')!;
const BY_GEO_CELL = VEHICLES_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byGeoCell')!;
const BY_GEO_TILE = VEHICLES_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byGeoTile')!;

/** Fields PATCH may change; `null` removes an optional one. */
export interface VehicleChanges {
  readonly name?: string;
  readonly plate?: string | null;
  readonly speedLimitKmh?: number | null;
  readonly fleetId?: string | null;
  readonly type?: VehicleType;
  readonly metadata?: Record<string, unknown>;
  readonly deviceId?: string | null;
}

export interface VehiclePage {
  readonly vehicles: Vehicle[];
  readonly lastKey?: Record<string, string>;
}

type Item = Record<string, unknown>;

function toItem(vehicle: Vehicle): Item {
  const { id, latest, ...rest } = vehicle;
  return { ...rest, [KEY]: id, ...(latest ? { latest: stripVehicleId(latest), latestTs: latest.ts } : {}) };
}

function stripVehicleId(position: Position): Omit<Position, 'vehicleId'> {
  const { vehicleId: _vehicleId, ...rest } = position;
  return rest;
}

function fromItem(item: Item): Vehicle {
  const { [KEY]: id, latest, latestTs: _latestTs, geoCell: _geoCell, geoTile: _geoTile, ...rest } = item as Item & { latest?: Omit<Position, 'vehicleId'> };
  return {
    ...(rest as Omit<Vehicle, 'id' | 'latest'>),
    id: id as string,
    ...(latest ? { latest: { ...latest, vehicleId: id as string } } : {}),
  };
}

/** The tracker statuses as DynamoDB filters on the latest position's arrival (see trackerStatus). */
const STATUS_FILTERS: Record<TrackerStatus, string> = {
  online: '(lastSeenAt >= :cutoff OR (attribute_not_exists(lastSeenAt) AND latest.receivedAt >= :cutoff))',
  offline: '(lastSeenAt < :cutoff OR (attribute_not_exists(lastSeenAt) AND latest.receivedAt < :cutoff))',
  unknown: '(attribute_not_exists(lastSeenAt) AND attribute_not_exists(latest))',
};

export type LatestUpdate =
  | { readonly status: 'updated'; readonly vehicle: Vehicle }
  | { readonly status: 'older'; readonly vehicle: Pick<Vehicle, 'createdAt' | 'lastSeenAt' | 'fleetId' | 'latest'> }
  | { readonly status: 'gone' }
  | { readonly status: 'recreated'; readonly createdAt: number };

type RawValue = { N?: string; S?: string; M?: Record<string, RawValue> };

/**
 * What ingest needs of the item a failed conditional write returned (ReturnValuesOnConditionCheckFailure,
 * in DynamoDB's raw form: the document client does not convert it), if it returned one.
 */
function conditionFailureItem(error: unknown): Pick<Vehicle, 'createdAt' | 'lastSeenAt' | 'fleetId' | 'latest'> | undefined {
  const item = (error as { Item?: Record<string, RawValue> }).Item;
  const number = (value: RawValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));
  const createdAt = number(item?.createdAt);
  if (item === undefined || createdAt === undefined) return undefined;
  const latest = item.latest?.M;
  const [ts, lat, lon] = [number(latest?.ts), number(latest?.lat), number(latest?.lon)];
  return {
    createdAt,
    lastSeenAt: number(item.lastSeenAt),
    fleetId: item.fleetId?.S,
    // Only what thinning compares with (see KnownVehicles).
    latest: ts !== undefined && lat !== undefined && lon !== undefined ? ({ ts, lat, lon, accuracy: number(latest!.accuracy) } as Position) : undefined,
  };
}

/** The vehicles table: one item per vehicle, carrying its latest position. */
export class VehicleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(vehicle: Vehicle): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: toItem(vehicle),
            ConditionExpression: 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': KEY },
          }),
        ),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw ApiError.conflict(`Vehicle ${vehicle.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Vehicle | undefined> {
    const { Item } = await storageCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { [KEY]: id }, ConsistentRead: true })),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Applies the changes; with `expectedRevision`, only if the vehicle is still at that revision
   * (device id rotation: two requests racing cannot both win). A lost race is a 409.
   */
  async update(id: string, changes: VehicleChanges, now: number, expectedRevision?: number): Promise<Vehicle> {
    const names: Record<string, string> = { '#key': KEY, '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': now };
    const sets = ['#updatedAt = :updatedAt'];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) removes.push(`#${field}`);
      else {
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    try {
      const { Attributes } = await storageCall(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { [KEY]: id },
            // The revision moves with every change: the cache's copy of the fleet is ordered by it.
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''} ADD revision :one`,
            ConditionExpression:
              expectedRevision === undefined
                ? 'attribute_exists(#key)'
                : `attribute_exists(#key) AND ${expectedRevision === 0 ? '(attribute_not_exists(revision) OR revision = :expectedRevision)' : 'revision = :expectedRevision'}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':one': 1, ...(expectedRevision !== undefined && { ':expectedRevision': expectedRevision }) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return fromItem(Attributes!);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (expectedRevision !== undefined && (await this.get(id))) {
        throw ApiError.conflict(`Vehicle ${id} was changed by another request meanwhile; read it and retry`);
      }
      throw ApiError.notFound(`Vehicle ${id} does not exist`);
    }
  }

  /** Removes the vehicle, returning what it was (undefined when there was none). */
  async delete(id: string): Promise<Vehicle | undefined> {
    const { Attributes } = await storageCall(() =>
      this.db.send(new DeleteCommand({ TableName: this.table, Key: { [KEY]: id }, ReturnValues: 'ALL_OLD' })),
    );
    return Attributes ? fromItem(Attributes) : undefined;
  }

  /**
   * A fleet's vehicles through the byFleet index, or every vehicle by scan, in pages; with `status`,
   * only those whose newest fix arrived at or after `cutoff` (online), before it (offline), or never
   * (unknown).
   */
  async list(options: {
    fleetId?: string;
    limit: number;
    startKey?: Record<string, string>;
    status?: { status: TrackerStatus; cutoff: number };
  }): Promise<VehiclePage> {
    const filter = options.status && STATUS_FILTERS[options.status.status];
    const common = {
      TableName: this.table,
      Limit: options.limit,
      ExclusiveStartKey: options.startKey,
      ...(filter && { FilterExpression: filter }),
    };
    const cutoff = filter?.includes(':cutoff') ? { ':cutoff': options.status!.cutoff } : {};
    const page = await storageCall(() =>
      options.fleetId
        ? this.db.send(
            new QueryCommand({
              ...common,
              IndexName: BY_FLEET.name,
              KeyConditionExpression: '#fleet = :fleet',
              ExpressionAttributeNames: { '#fleet': BY_FLEET.partitionKey.name },
              ExpressionAttributeValues: { ':fleet': options.fleetId, ...cutoff },
            }),
          )
        : this.db.send(new ScanCommand({ ...common, ...(Object.keys(cutoff).length > 0 && { ExpressionAttributeValues: cutoff }) })),
    );
    return {
      vehicles: (page.Items ?? []).map(fromItem),
      lastKey: page.LastEvaluatedKey as Record<string, string> | undefined,
    };
  }

  /** Which of these vehicles exist, with their fleet and latest position (strongly consistent, unprocessed keys retried). */
  async existing(ids: readonly string[]): Promise<Map<string, Vehicle>> {
    const found = new Map<string, Vehicle>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] = ids.slice(i, i + 100).map((id) => ({ [KEY]: id }));
      await withBackoff(async () => {
        const { Responses, UnprocessedKeys } = await storageCall(() =>
          this.db.send(
            new BatchGetCommand({
              RequestItems: {
                [this.table]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: '#key, createdAt, fleetId, latest, lastSeenAt',
                  ExpressionAttributeNames: { '#key': KEY },
                },
              },
            }),
          ),
        );
        for (const item of Responses?.[this.table] ?? []) found.set(item[KEY] as string, fromItem(item));
        keys = (UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        return keys.length === 0;
      });
    }
    return found;
  }

  /**
   * Makes `position` the latest of the vehicle created at `createdAt` unless a newer one is already
   * there: a conditional write, so concurrent and out-of-order arrivals settle on the greatest
   * timestamp. It advances the vehicle's revision in the same write. The outcome says what happened:
   * `updated` with the vehicle as the write left it; `older` (a newer latest is stored); `gone` (no
   * such vehicle); or `recreated` (the id now belongs to a vehicle created at another time).
   */
  async setLatestIfNewer(position: Position, createdAt: number): Promise<LatestUpdate> {
    try {
      const { Attributes } = await storageCall(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { [KEY]: position.vehicleId },
            UpdateExpression: 'SET latest = :latest, latestTs = :ts, geoCell = :cell, geoTile = :tile, lastSeenAt = :seen ADD revision :one',
            // <=: a fix resent with the same timestamp replaces the stored one in history (same key),
            // so it replaces the latest too; an older one never does.
            ConditionExpression: 'attribute_exists(#key) AND createdAt = :createdAt AND (attribute_not_exists(latestTs) OR latestTs <= :ts)',
            ExpressionAttributeNames: { '#key': KEY },
            ExpressionAttributeValues: {
              ':latest': stripVehicleId(position),
              ':ts': position.ts,
              ':cell': geohash(position.lat, position.lon, GEO_CELL_PRECISION),
              ':tile': geohash(position.lat, position.lon, GEO_TILE_PRECISION),
              ':seen': position.receivedAt,
              ':createdAt': createdAt,
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { status: 'updated', vehicle: fromItem(Attributes!) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // DynamoDB returns the item that failed the condition; a local emulator may not: read it then.
      const failed = conditionFailureItem(error) ?? (await this.get(position.vehicleId));
      if (!failed) return { status: 'gone' };
      if (failed.createdAt !== createdAt) return { status: 'recreated', createdAt: failed.createdAt };
      return { status: 'older', vehicle: failed };
    }
  }

  /** One page of every vehicle, with what the status sweep needs (a Scan; `startKey` from the previous page). */
  async statusPage(startKey?: Record<string, unknown>): Promise<{ vehicles: Vehicle[]; lastKey?: Record<string, unknown> }> {
    const page = await storageCall(() =>
      this.db.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: '#key, createdAt, fleetId, lastSeenAt, offlineSince, latest',
          ExpressionAttributeNames: { '#key': KEY },
          ExclusiveStartKey: startKey,
          Limit: 500,
        }),
      ),
    );
    return { vehicles: (page.Items ?? []).map(fromItem), lastKey: page.LastEvaluatedKey };
  }

  /**
   * Records the status sweep's verdict: offline since `lastSeenAt` (only if no fix arrived since and
   * it is not marked yet), or back online (only if still marked for `offlineSince`). False: another
   * sweep or a fix got there first.
   */
  async markOffline(vehicle: Pick<Vehicle, 'id' | 'createdAt'>, lastSeenAt: number): Promise<boolean> {
    return this.conditional(vehicle.id, 'SET offlineSince = :seen', 'createdAt = :createdAt AND attribute_not_exists(offlineSince) AND (lastSeenAt = :seen OR (attribute_not_exists(lastSeenAt) AND latest.receivedAt = :seen))', {
      ':seen': lastSeenAt,
      ':createdAt': vehicle.createdAt,
    });
  }

  async markOnline(vehicle: Pick<Vehicle, 'id' | 'createdAt'>, offlineSince: number): Promise<boolean> {
    return this.conditional(vehicle.id, 'REMOVE offlineSince', 'createdAt = :createdAt AND offlineSince = :since', { ':since': offlineSince, ':createdAt': vehicle.createdAt });
  }

  private async conditional(id: string, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await storageCall(() =>
        this.db.send(new UpdateCommand({ TableName: this.table, Key: { [KEY]: id }, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeValues: values })),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Records that a fix arrived at `at` that did not become the latest position (filtered, or older
   * than the stored latest): only forward, only for that vehicle (a re-created one is left alone).
   */
  async markSeen(vehicleId: string, createdAt: number, at: number): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { [KEY]: vehicleId },
            UpdateExpression: 'SET lastSeenAt = :at',
            ConditionExpression: 'attribute_exists(#key) AND createdAt = :createdAt AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :at)',
            ExpressionAttributeNames: { '#key': KEY },
            ExpressionAttributeValues: { ':at': at, ':createdAt': createdAt },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Vehicles whose latest position lies in one geohash cell: `cell` of the byGeoCell index (coarse)
   * or `tile` of byGeoTile (fine), every page; only one fleet's when `fleetId` is given.
   */
  async inGeoCell(grid: 'cell' | 'tile', cell: string, fleetId?: string): Promise<Vehicle[]> {
    const index = grid === 'cell' ? BY_GEO_CELL : BY_GEO_TILE;
    const vehicles: Vehicle[] = [];
    for await (const items of this.everyPage((startKey) =>
      new QueryCommand({
        TableName: this.table,
        IndexName: index.name,
        KeyConditionExpression: '#cell = :cell',
        ...(fleetId !== undefined && { FilterExpression: 'fleetId = :fleet' }),
        ExpressionAttributeNames: { '#cell': index.partitionKey.name },
        ExpressionAttributeValues: { ':cell': cell, ...(fleetId !== undefined && { ':fleet': fleetId }) },
        ExclusiveStartKey: startKey,
      }),
    )) {
      vehicles.push(...items.map(fromItem));
    }
    return vehicles;
  }

  /** The items of every page of a query or scan, page by page (`command` builds a page's request). */
  private async *everyPage(command: (startKey: Item | undefined) => QueryCommand | ScanCommand): AsyncGenerator<Item[]> {
    let startKey: Item | undefined;
    do {
      // send's overloads take one command type at a time; both answer with Items and LastEvaluatedKey.
      const page = await storageCall(() => this.db.send(command(startKey) as QueryCommand));
      yield page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Every vehicle that has a latest position, every page (polar searches and cache rebuilds). A
   * rebuild reads consistently: it removes from the cache whatever this read lacks, and an eventually
   * consistent read could lack a vehicle that has just reported.
   */
  async allWithPosition(options: { consistent?: boolean } = {}): Promise<Vehicle[]> {
    const vehicles: Vehicle[] = [];
    for await (const items of this.everyPage((startKey) =>
      new ScanCommand({ TableName: this.table, FilterExpression: 'attribute_exists(latestTs)', ExclusiveStartKey: startKey, ConsistentRead: options.consistent }),
    )) {
      vehicles.push(...items.map(fromItem));
    }
    return vehicles;
  }

  /**
   * Writes `geoTile` on vehicles whose latest position predates it (written by a release before the
   * byGeoTile index), so the nearby fallback finds them; each only if its latest is still the one
   * read (a newer report writes the tile itself). Returns how many were updated. One pass reads the
   * whole table: an upgrade step (npm run backfill-geo-tiles), not a request path.
   */
  async fillMissingGeoTiles(): Promise<number> {
    let updated = 0;
    const pages = this.everyPage((startKey) =>
      new ScanCommand({
        TableName: this.table,
        FilterExpression: 'attribute_exists(latestTs) AND attribute_not_exists(geoTile)',
        ProjectionExpression: '#key, latest, latestTs',
        ExpressionAttributeNames: { '#key': KEY },
        ExclusiveStartKey: startKey,
      }),
    );
    for await (const items of pages) {
      for (const item of items) {
        const latest = item.latest as { lat: number; lon: number };
        try {
          await storageCall(() =>
            this.db.send(
              new UpdateCommand({
                TableName: this.table,
                Key: { [KEY]: item[KEY] },
                UpdateExpression: 'SET geoTile = :tile',
                ConditionExpression: 'latestTs = :ts',
                ExpressionAttributeValues: { ':tile': geohash(latest.lat, latest.lon, GEO_TILE_PRECISION), ':ts': item.latestTs },
              }),
            ),
          );
          updated += 1;
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }
    }
    return updated;
  }

  /** A cheap strongly consistent read that proves the table answers (for /health/ready). */
  async probe(): Promise<void> {
    await this.db.send(new GetCommand({ TableName: this.table, Key: { [KEY]: '__health__' } }));
  }
}
