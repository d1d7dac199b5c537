import { Fn } from 'cdktf';
import type { FunctionJob } from '../../config/names';
import { TABLES } from '../../config/tables';

export interface DashboardInputs {
  readonly region: string;
  readonly apiName: string;
  readonly stage: string;
  readonly functionNames: Record<FunctionJob, string>;
  readonly tableNames: Record<string, string>;
  readonly replicationGroup: string;
  /** `001`, `002`, …: one per cache node. */
  readonly nodeSuffixes: readonly string[];
}

type Metric = (string | Record<string, unknown>)[];

/** The runbook's "Key Metrics to Monitor", one widget each, as a dashboard body (jsonencode'd in Terraform). */
export function dashboardBody(inputs: DashboardInputs): string {
  const widget = (title: string, metrics: Metric[], extra: Record<string, unknown> = {}) => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: { title, region: inputs.region, view: 'timeSeries', stat: 'Sum', period: 300, metrics, ...extra },
  });
  const api = ['ApiName', inputs.apiName, 'Stage', inputs.stage];
  const nodes = inputs.nodeSuffixes.map((suffix) => `${inputs.replicationGroup}-${suffix}`);
  const widgets = [
    widget('API Gateway 4XX / 5XX error rate (%)', [
      ['AWS/ApiGateway', '4XXError', ...api, { id: 'e4', visible: false }],
      ['AWS/ApiGateway', '5XXError', ...api, { id: 'e5', visible: false }],
      ['AWS/ApiGateway', 'Count', ...api, { id: 'n', visible: false }],
      [{ expression: '100 * e4 / n', label: '4XX %' }],
      [{ expression: '100 * e5 / n', label: '5XX %' }],
    ]),
    widget('API Gateway latency p99 (ms)', [['AWS/ApiGateway', 'Latency', ...api, { stat: 'p99' }]]),
    widget(
      'Lambda duration (max, ms) and errors',
      Object.values(inputs.functionNames).flatMap((name) => [
        ['AWS/Lambda', 'Duration', 'FunctionName', name, { stat: 'Maximum' }],
        ['AWS/Lambda', 'Errors', 'FunctionName', name, { yAxis: 'right' }],
      ]),
    ),
    widget(
      'DynamoDB consumed read / write capacity',
      TABLES.flatMap((table) => [
        ['AWS/DynamoDB', 'ConsumedReadCapacityUnits', 'TableName', inputs.tableNames[table.key]],
        ['AWS/DynamoDB', 'ConsumedWriteCapacityUnits', 'TableName', inputs.tableNames[table.key]],
      ]),
    ),
    widget(
      'DynamoDB throttle events (tables and indexes)',
      TABLES.flatMap((table) => [
        ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', inputs.tableNames[table.key]],
        ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', inputs.tableNames[table.key]],
        ...table.globalSecondaryIndexes.flatMap((index) => [
          ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', inputs.tableNames[table.key], 'GlobalSecondaryIndexName', index.name],
          ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', inputs.tableNames[table.key], 'GlobalSecondaryIndexName', index.name],
        ]),
      ]),
    ),
    widget(
      'ElastiCache engine CPU and memory (%)',
      nodes.flatMap((node) => [
        ['AWS/ElastiCache', 'EngineCPUUtilization', 'CacheClusterId', node, { stat: 'Average' }],
        ['AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', 'CacheClusterId', node, { stat: 'Average' }],
      ]),
    ),
    widget(
      'ElastiCache hit ratio (%)',
      nodes.map((node) => ['AWS/ElastiCache', 'CacheHitRate', 'CacheClusterId', node, { stat: 'Average' }]),
    ),
  ];
  return Fn.jsonencode({ widgets });
}
