import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { tableName } from '../../config/names';
import { TABLES, TableDefinition, keyAttributes } from '../../config/tables';

/** Creates the tables of config/tables.ts (the same definitions module.database deploys), if missing. */
export async function ensureTables(client: DynamoDBClient, environment: string): Promise<void> {
  for (const definition of TABLES) {
    const name = tableName(environment, definition.key);
    try {
      await client.send(new CreateTableCommand(createTableInput(name, definition)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitForActive(client, name);
  }
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
