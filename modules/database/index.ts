import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { DynamodbTable, DynamodbTableConfig } from '@cdktf/provider-aws/lib/dynamodb-table';
import { AutoScalingBounds, EnvironmentConfig, physicalTableName } from '../../config/environments';
import { TableKey, snakeCase } from '../../config/names';
import { PITR_RECOVERY_PERIOD_DAYS } from '../../config/operations';
import { TABLES, TableDefinition, keyAttributes } from '../../config/tables';
import { ModuleStack } from '../core/module-stack';

export interface DatabaseModuleProps {
  readonly environment: EnvironmentConfig;
}

export type DatabaseInputs = 'kms_key_arn';
export type DatabaseOutputs = `${TableKey}_table_name` | `${TableKey}_table_arn` | `${TableKey}_stream_arn`;


/**
 * module.database: the DynamoDB tables of config/tables.ts, encrypted with the environment key,
 * with point-in-time recovery (35 days), TTL where data expires, and capacity per environment:
 * provisioned with target-tracking auto scaling on the table and every index, or on-demand.
 */
export class DatabaseModule extends ModuleStack<DatabaseInputs, DatabaseOutputs> {
  readonly tables: Record<string, DynamodbTable> = {};

  constructor(props: DatabaseModuleProps) {
    super('database');
    const env = props.environment;
    const kmsKeyArn = this.input('kms_key_arn', { type: 'string', description: 'KMS key for table encryption (module.security)' }).stringValue;
    for (const definition of TABLES) {
      const table = new DynamodbTable(this, definition.key, tableConfig(env, definition, kmsKeyArn));
      this.tables[definition.key] = table;
      const { capacity } = env.dynamodb;
      if (capacity.billingMode !== 'PROVISIONED') continue;
      this.autoScale(definition.key, `table/${table.name}`, 'table', capacity.read, capacity.write);
      for (const index of definition.globalSecondaryIndexes) {
        this.autoScale(`${definition.key}_${snakeCase(index.name)}`, `table/${table.name}/index/${index.name}`, 'index', capacity.read, capacity.write);
      }
    }
    for (const definition of TABLES) {
      const table = this.tables[definition.key];
      this.output(`${definition.key}_table_name`, { value: table.name, description: `Name of the ${definition.key} table` });
      this.output(`${definition.key}_table_arn`, { value: table.arn, description: `ARN of the ${definition.key} table` });
      if (definition.stream) this.output(`${definition.key}_stream_arn`, { value: table.streamArn, description: `Stream of the ${definition.key} table, read by ${definition.stream.readBy}` });
    }
  }

  /** "Enable auto-scaling": target tracking on consumed read and write capacity. */
  private autoScale(id: string, resourceId: string, kind: 'table' | 'index', read: AutoScalingBounds, write: AutoScalingBounds): void {
    for (const [direction, bounds] of [['read', read], ['write', write]] as const) {
      const unit = direction === 'read' ? 'Read' : 'Write';
      const target = new AppautoscalingTarget(this, `${id}_${direction}`, {
        serviceNamespace: 'dynamodb',
        resourceId,
        scalableDimension: `dynamodb:${kind}:${unit}CapacityUnits`,
        minCapacity: bounds.min,
        maxCapacity: bounds.max,
      });
      new AppautoscalingPolicy(this, `${id}_${direction}_policy`, {
        name: `${resourceId.replace(/\//g, '-')}-${direction}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: bounds.targetUtilization,
          predefinedMetricSpecification: { predefinedMetricType: `DynamoDB${unit}CapacityUtilization` },
        },
      });
    }
  }
}

function tableConfig(environment: EnvironmentConfig, definition: TableDefinition, kmsKeyArn: string): DynamodbTableConfig {
  const { capacity } = environment.dynamodb;
  const provisioned = capacity.billingMode === 'PROVISIONED';
  const throughput = provisioned ? { readCapacity: capacity.read.min, writeCapacity: capacity.write.min } : {};
  // In the one apply that changes indexes, Terraform also writes every existing index's capacity:
  // the maximum, so it can only rise (auto scaling brings it down again); the minimum would throttle.
  const indexThroughput = provisioned && environment.dynamodb.applyIndexChanges ? { readCapacity: capacity.read.max, writeCapacity: capacity.write.max } : throughput;
  return {
    name: physicalTableName(environment, definition.key),
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
      ...indexThroughput,
    })),
    ttl: definition.ttlAttribute ? { attributeName: definition.ttlAttribute, enabled: true } : undefined,
    ...(definition.stream && { streamEnabled: true, streamViewType: 'NEW_IMAGE' }),
    pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: PITR_RECOVERY_PERIOD_DAYS },
    serverSideEncryption: { enabled: true, kmsKeyArn },
    deletionProtectionEnabled: environment.dynamodb.deletionProtection,
    lifecycle: provisioned ? { ignoreChanges: ignoredTableChanges(environment, definition) } : undefined,
  };
}

/**
 * Auto scaling owns table and index capacity once the table exists. Index capacity sits inside the
 * `global_secondary_index` set, which Terraform can only ignore whole (as terraform-aws-modules does);
 * `dynamodb.applyIndexChanges` lifts that for the one apply that adds or removes an index.
 */
export function ignoredTableChanges(environment: EnvironmentConfig, definition: TableDefinition): string[] {
  const ignored = ['read_capacity', 'write_capacity'];
  if (definition.globalSecondaryIndexes.length > 0 && !environment.dynamodb.applyIndexChanges) ignored.push('global_secondary_index');
  return ignored;
}
