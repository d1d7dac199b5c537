import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { WEBHOOKS_TABLE } from '../../../config/tables';
import type { Webhook } from '../domain/webhook';
import { isConditionalCheckFailed, storageCall } from './dynamo-client';
import { RevisionedItems } from './revisioned-items';

const KEY = WEBHOOKS_TABLE.partitionKey.name;

/** The webhooks table: one item per webhook; API changes are conditioned on its revision. */
export class WebhookStore extends RevisionedItems<Webhook> {
  constructor(db: DynamoDBDocumentClient, table: string) {
    super(db, table, KEY, 'Webhook');
  }

  /** Every webhook (MAX_WEBHOOKS bounds them: one Scan page). */
  async all(): Promise<Webhook[]> {
    const all: Webhook[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() => this.db.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: startKey })));
      all.push(...(page.Items ?? []).map((item) => this.fromItem(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return all;
  }

  /**
   * Records that deliveries started failing (`failingSince`, `lastError`) or work again. Only the
   * flip is written, conditioned on the stored state, so a failing receiver costs no write per attempt
   * and concurrent deliveries agree. It bumps the revision: an API change read before it is retried
   * on the new state rather than writing the old one back.
   */
  async recordOutcome(id: string, outcome: { ok: true } | { ok: false; at: number; error: string }): Promise<void> {
    try {
      await storageCall(() =>
        this.db.send(
          new UpdateCommand(
            outcome.ok
              ? {
                  TableName: this.table,
                  Key: { [KEY]: id },
                  UpdateExpression: 'REMOVE failingSince, lastError SET revision = revision + :one',
                  ConditionExpression: 'attribute_exists(failingSince)',
                  ExpressionAttributeValues: { ':one': 1 },
                }
              : {
                  TableName: this.table,
                  Key: { [KEY]: id },
                  UpdateExpression: 'SET failingSince = :at, lastError = :error, revision = revision + :one',
                  ConditionExpression: 'attribute_exists(#key) AND attribute_not_exists(failingSince)',
                  ExpressionAttributeNames: { '#key': KEY },
                  ExpressionAttributeValues: { ':at': outcome.at, ':error': outcome.error.slice(0, 300), ':one': 1 },
                },
          ),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
