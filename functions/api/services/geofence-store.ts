import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GEOFENCES_TABLE } from '../../../config/tables';
import type { Geofence } from '../domain/geofence';
import { storageCall } from './dynamo-client';
import { RevisionedItems } from './revisioned-items';

const KEY = GEOFENCES_TABLE.partitionKey.name;
const BY_FLEET = GEOFENCES_TABLE.globalSecondaryIndexes.find((index) => index.name === 'byFleet')!;

export interface GeofencePage {
  readonly geofences: Geofence[];
  readonly lastKey?: Record<string, string>;
}

/** The geofences table: one item per geofence; every change is conditioned on its revision. */
export class GeofenceStore extends RevisionedItems<Geofence> {
  constructor(db: DynamoDBDocumentClient, table: string) {
    super(db, table, KEY, 'Geofence');
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
    return { geofences: (page.Items ?? []).map((item) => this.fromItem(item)), lastKey: page.LastEvaluatedKey as Record<string, string> | undefined };
  }

  /** Every geofence, every page: what ingest evaluates positions against (see GeofenceIndex). */
  async all(): Promise<Geofence[]> {
    const all: Geofence[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() => this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey })));
      all.push(...(page.Items ?? []).map((item) => this.fromItem(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return all;
  }
}
