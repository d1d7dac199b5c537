import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { tableName } from '../../config/names';
import { TABLES, TableDefinition, keyAttributes } from '../../config/tables';

/**
 * Creates the tables of config/tables.ts (the same definitions module.database deploys), if missing,
 * and adds indexes a later release defined to tables an earlier one created (a kept DEV_DATA_DIR;
 * DynamoDB Local adds them, dynalite cannot). Returns the indexes it added, as `table/index`.
 */
export async function ensureTables(client: DynamoDBClient, environment: string): Promise<string[]> {
  const added: string[] = [];
  for (const definition of TABLES) {
    const name = tableName(environment, definition.key);
    const input = createTableInput(name, definition);
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      await waitForActive(client, name);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
      for (const index of input.GlobalSecondaryIndexes ?? []) {
        if (existing.has(index.IndexName)) continue;
        const create = (extra: object) =>
          client.send(new UpdateTableCommand({ TableName: name, AttributeDefinitions: input.AttributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: { ...index, ...extra } }] }));
        await create({}).catch((error: Error) => {
          // dynalite wants a throughput even on an on-demand table (DynamoDB and DynamoDB Local refuse one).
          if (!/provisionedThroughput/i.test(error.message)) throw error;
          return create({ ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } });
        });
        await waitForActive(client, name);
        // dynalite accepts the update without adding the index; the API then searches without it.
        const { Table: after } = await client.send(new DescribeTableCommand({ TableName: name }));
        if ((after?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === index.IndexName)) added.push(`${name}/${index.IndexName}`);
      }
    }
    await waitForActive(client, name);
  }
  return added;
}

function createTableInput(name: string, definition: TableDefinition) {
  const keySchema = (partition: string, sort?: string) => [
    { AttributeName: partition, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: keyAttributes(definition).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(definition.partitionKey.name, definition.sortKey?.name),
    ...(definition.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey.name, index.sortKey?.name),
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  };
}

async function waitForActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}
