import { DynamodbTable, DynamodbTableConfig } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { EnvironmentConfig } from '../../config/environments';
import { tableName } from '../../config/names';
import { PITR_RECOVERY_PERIOD_DAYS } from '../../config/operations';
import { TABLES, TableDefinition, keyAttributes } from '../../config/tables';
import { ModuleStack } from '../core/module-stack';

export interface DatabaseModuleProps {
  readonly environment: EnvironmentConfig;
}

export type DatabaseOutputs =
  | 'vehicles_table_name'
  | 'vehicles_table_arn'
  | 'positions_table_name'
  | 'positions_table_arn';

/** module.database: the DynamoDB tables of config/tables.ts, with point-in-time recovery. */
export class DatabaseModule extends ModuleStack<never, DatabaseOutputs> {
  readonly tables: Record<string, DynamodbTable> = {};

  constructor(props: DatabaseModuleProps) {
    super('database');
    for (const definition of TABLES) {
      this.tables[definition.key] = new DynamodbTable(this, definition.key, tableConfig(props.environment, definition));
    }
    const { vehicles, positions } = this.tables;
    this.output('vehicles_table_name', { value: vehicles.name, description: 'Name of the vehicles table' });
    this.output('vehicles_table_arn', { value: vehicles.arn, description: 'ARN of the vehicles table' });
    this.output('positions_table_name', { value: positions.name, description: 'Name of the position history table' });
    this.output('positions_table_arn', { value: positions.arn, description: 'ARN of the position history table' });
  }
}

function tableConfig(environment: EnvironmentConfig, definition: TableDefinition): DynamodbTableConfig {
  const { capacity } = environment.dynamodb;
  const provisioned = capacity.billingMode === 'PROVISIONED';
  const throughput = provisioned ? { readCapacity: capacity.read.min, writeCapacity: capacity.write.min } : {};
  return {
    name: tableName(environment.name, definition.key),
    billingMode: capacity.billingMode,
    ...throughput,
    hashKey: definition.partitionKey.name,
    rangeKey: definition.sortKey?.name,
    attribute: keyAttributes(definition).map((attribute) => ({ name: attribute.name, type: attribute.type })),
    globalSecondaryIndex: definition.globalSecondaryIndexes.map((index) => ({
      name: index.name,
      hashKey: index.partitionKey.name,
      rangeKey: index.sortKey?.name,
      projectionType: 'ALL',
      ...throughput,
    })),
    ttl: definition.ttlAttribute ? { attributeName: definition.ttlAttribute, enabled: true } : undefined,
    pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: PITR_RECOVERY_PERIOD_DAYS },
    deletionProtectionEnabled: environment.dynamodb.deletionProtection,
  };
}
