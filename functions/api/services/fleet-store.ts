import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PositionFilterSettings } from '../../../config/trackers';
import { FLEETS_TABLE } from '../../../config/tables';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';
import { withBackoff } from './retry';

const KEY = FLEETS_TABLE.partitionKey.name;

/** A fleet's own settings: only what it overrides (the rest are the environment's defaults). */
export interface FleetItem {
  readonly fleetId: string;
  readonly positionFilter: Partial<PositionFilterSettings>;
  readonly updatedAt: number;
  /** Advanced by every write: a read-modify-write is conditioned on it. */
  readonly revision: number;
}

/** The fleets table: one item per fleet that overrides a setting. */
export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(fleetId: string, options: { consistent?: boolean } = {}): Promise<FleetItem | undefined> {
    const { Item } = await storageCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { [KEY]: fleetId }, ConsistentRead: options.consistent })),
    );
    return Item && fromItem(Item);
  }

  /** The items of these fleets that have one: 100 per BatchGetItem, unprocessed keys retried. */
  async getMany(fleetIds: readonly string[]): Promise<Map<string, FleetItem>> {
    const found = new Map<string, FleetItem>();
    for (let i = 0; i < fleetIds.length; i += 100) {
      let keys: Record<string, unknown>[] = fleetIds.slice(i, i + 100).map((id) => ({ [KEY]: id }));
      await withBackoff(async () => {
        const { Responses, UnprocessedKeys } = await storageCall(() => this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } })));
        for (const item of Responses?.[this.table] ?? []) found.set(item[KEY] as string, fromItem(item));
        keys = (UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        return keys.length === 0;
      });
    }
    return found;
  }

  /** Writes the fleet's overrides if it is still at `expectedRevision` (0: no item yet); false if it is not. */
  async put(fleetId: string, positionFilter: Partial<PositionFilterSettings>, expectedRevision: number, now: number): Promise<FleetItem | undefined> {
    const item: FleetItem = { fleetId, positionFilter, updatedAt: now, revision: expectedRevision + 1 };
    try {
      await storageCall(() =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...item, [KEY]: fleetId },
            ...(expectedRevision === 0
              ? { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': KEY } }
              : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } }),
          }),
        ),
      );
      return item;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

function fromItem(item: Record<string, unknown>): FleetItem {
  return {
    fleetId: item[KEY] as string,
    positionFilter: (item.positionFilter as Partial<PositionFilterSettings> | undefined) ?? {},
    updatedAt: item.updatedAt as number,
    revision: (item.revision as number | undefined) ?? 0,
  };
}
