import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '../domain/errors';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';

/**
 * A table of items an API edits whole (geofences, webhooks): `id` stored under the table's key,
 * created only if absent, replaced only at the revision the editor read (a lost update is a retry,
 * never a silent overwrite).
 */
export class RevisionedItems<T extends { readonly id: string; readonly revision: number }> {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly table: string,
    private readonly key: string,
    /** `Geofence`, `Webhook`: how a 409 names it. */
    private readonly noun: string,
  ) {}

  protected toItem({ id, ...rest }: T): Record<string, unknown> {
    return { ...rest, [this.key]: id };
  }

  protected fromItem(item: Record<string, unknown>): T {
    const { [this.key]: id, ...rest } = item;
    return { ...rest, id } as unknown as T;
  }

  async create(value: T): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(new PutCommand({ TableName: this.table, Item: this.toItem(value), ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': this.key } })),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw ApiError.conflict(`${this.noun} ${value.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<T | undefined> {
    const { Item } = await storageCall(() => this.db.send(new GetCommand({ TableName: this.table, Key: { [this.key]: id }, ConsistentRead: true })));
    return Item ? this.fromItem(Item) : undefined;
  }

  /** Writes it as given if the stored one is still at `expectedRevision`; false if it is not (or is gone). */
  async replace(value: T, expectedRevision: number): Promise<boolean> {
    try {
      await storageCall(() =>
        this.db.send(new PutCommand({ TableName: this.table, Item: this.toItem(value), ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } })),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Deletes it; false if there was none. */
  async delete(id: string): Promise<boolean> {
    const { Attributes } = await storageCall(() => this.db.send(new DeleteCommand({ TableName: this.table, Key: { [this.key]: id }, ReturnValues: 'ALL_OLD' })));
    return Attributes !== undefined;
  }
}
