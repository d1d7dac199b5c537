import { DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { POSITIONS_TABLE } from '../../config/tables';
import { isConditionalCheckFailed, storageCall } from '../../functions/api/services/dynamo-client';
import { REPLAY_MARK } from '../../functions/api/services/position-store';

const PK = POSITIONS_TABLE.partitionKey.name;
const SK = POSITIONS_TABLE.sortKey!.name;

/**
 * Marks the fixes received in [since, until] (one vehicle's: a Query; every one's: a Scan) with
 * REPLAY_MARK. The change makes the positions table's stream deliver each again (an unchanged
 * write would not), and the events function re-derives their events, idempotently, in shard order.
 * A fix that expired meanwhile stays gone. Returns how many were marked.
 */
export async function markForReplay(
  db: DynamoDBDocumentClient,
  table: string,
  range: { since: number; until: number; vehicleId?: string },
  now: number,
  onProgress?: (marked: number) => void,
): Promise<number> {
  let marked = 0;
  let startKey: Record<string, unknown> | undefined;
  const common = {
    TableName: table,
    FilterExpression: 'receivedAt BETWEEN :since AND :until',
    ProjectionExpression: '#pk, #sk',
    ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
  };
  do {
    const page = await storageCall(() =>
      db.send(
        range.vehicleId
          ? new QueryCommand({ ...common, KeyConditionExpression: '#pk = :pk', ExpressionAttributeValues: { ':pk': range.vehicleId, ':since': range.since, ':until': range.until }, ExclusiveStartKey: startKey })
          : new ScanCommand({ ...common, ExpressionAttributeValues: { ':since': range.since, ':until': range.until }, ExclusiveStartKey: startKey }),
      ),
    );
    for (const item of page.Items ?? []) {
      try {
        await storageCall(() =>
          db.send(
            new UpdateCommand({
              TableName: table,
              Key: { [PK]: item[PK], [SK]: item[SK] },
              UpdateExpression: 'SET #mark = :now',
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: { '#mark': REPLAY_MARK, '#pk': PK },
              ExpressionAttributeValues: { ':now': now },
            }),
          ),
        );
        marked += 1;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    onProgress?.(marked);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return marked;
}
