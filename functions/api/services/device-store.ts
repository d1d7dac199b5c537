import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEVICES_TABLE } from '../../../config/tables';
import { ApiError } from '../domain/errors';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';

const KEY = DEVICES_TABLE.partitionKey.name;

/**
 * Tracker device ids, one item each: a conditional put makes them unique across vehicles
 * (a GSI cannot), and device protocols resolve their vehicle with one read.
 */
export class DeviceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Claims a device id for a vehicle. With `again`, claiming one the vehicle already holds succeeds
   * (a retried rotation); without it (registration) any holder is a 409. Returns whether this call
   * claimed it (false: it was already the vehicle's, so do not release it on failure).
   */
  async claim(deviceId: string, vehicleId: string, options: { again?: boolean } = {}): Promise<boolean> {
    try {
      const { Attributes } = await storageCall(() =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { [KEY]: deviceId, vehicleId },
            ConditionExpression: options.again ? 'attribute_not_exists(#key) OR vehicleId = :vehicle' : 'attribute_not_exists(#key)',
            ExpressionAttributeNames: { '#key': KEY },
            ...(options.again && { ExpressionAttributeValues: { ':vehicle': vehicleId } }),
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return !Attributes;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw ApiError.conflict('deviceId is already registered to another vehicle');
      }
      throw error;
    }
  }

  /** Frees a device id, only if it still names this vehicle. */
  async release(deviceId: string, vehicleId: string): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { [KEY]: deviceId },
            ConditionExpression: 'vehicleId = :vehicle',
            ExpressionAttributeValues: { ':vehicle': vehicleId },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async vehicleOf(deviceId: string): Promise<string | undefined> {
    // Consistent: a device id released by a rotation is refused from that moment.
    const { Item } = await storageCall(() => this.db.send(new GetCommand({ TableName: this.table, Key: { [KEY]: deviceId }, ConsistentRead: true })));
    return Item?.vehicleId as string | undefined;
  }
}
