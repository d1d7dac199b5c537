import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GEOFENCES_TABLE } from '../../../config/tables';
import { ApiError } from '../domain/errors';
import type { Geofence } from '../domain/geofence';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';

const KEY = GEOFENCES_TABLE.partitionKey.name;
const BY_FLEET = GEOFENCES_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byFleet')!;

const toItem = ({ id, ...rest }: Geofence) => ({ ...rest, [KEY]: id });
function fromItem(item: Record<string, unknown>): Geofence {
  const { [KEY]: id, ...rest } = item;
  return { ...(rest as Omit<Geofence, 'id'>), id: id as string };
}

export interface GeofencePage {
  readonly geofences: Geofence[];
  readonly lastKey?: Record<string, string>;
}

/** The geofences table: one item per geofence; every change is conditioned on its revision. */
export class GeofenceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(geofence: Geofence): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(new PutCommand({ TableName: this.table, Item: toItem(geofence), ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': KEY } })),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw ApiError.conflict(`Geofence ${geofence.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Geofence | undefined> {
    const { Item } = await storageCall(() => this.db.send(new GetCommand({ TableName: this.table, Key: { [KEY]: id }, ConsistentRead: true })));
    return Item ? fromItem(Item) : undefined;
  }

  /** Writes the geofence as given if the stored one is still at `expectedRevision`; false if it is not (or is gone). */
  async replace(geofence: Geofence, expectedRevision: number): Promise<boolean> {
    try {
      await storageCall(() =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: toItem(geofence),
            ConditionExpression: 'revision = :expected',
            ExpressionAttributeValues: { ':expected': expectedRevision },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Deletes it; false if there was none. */
  async delete(id: string): Promise<boolean> {
    const { Attributes } = await storageCall(() => this.db.send(new DeleteCommand({ TableName: this.table, Key: { [KEY]: id }, ReturnValues: 'ALL_OLD' })));
    return Attributes !== undefined;
  }

  async list(options: { fleetId?: string; limit: number; startKey?: Record<string, string> }): Promise<GeofencePage> {
    const common = { TableName: this.table, Limit: options.limit, ExclusiveStartKey: options.startKey };
    const page = await storageCall(() =>
      options.fleetId
        ? this.db.send(
            new QueryCommand({
              ...common,
              IndexName: BY_FLEET.name,
              KeyConditionExpression: '#fleet = :fleet',
              ExpressionAttributeNames: { '#fleet': BY_FLEET.partitionKey.name },
              ExpressionAttributeValues: { ':fleet': options.fleetId },
            }),
          )
        : this.db.send(new ScanCommand(common)),
    );
    return { geofences: (page.Items ?? []).map(fromItem), lastKey: page.LastEvaluatedKey as Record<string, string> | undefined };
  }

  /** Every geofence, every page: what ingest evaluates positions against (see GeofenceIndex). */
  async all(): Promise<Geofence[]> {
    const all: Geofence[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() => this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey })));
      all.push(...(page.Items ?? []).map(fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return all;
  }
}
