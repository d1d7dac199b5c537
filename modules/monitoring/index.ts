import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { EnvironmentConfig } from '../../config/environments';
import { FunctionJob, resourceName, stackName } from '../../config/names';
import { TABLES } from '../../config/tables';
import { THRESHOLDS } from '../../config/thresholds';
import { cacheNodeSuffixes } from '../cache';
import { policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';
import { snakeCase } from '../database';
import { alarm } from './alarms';
import { dashboardBody } from './dashboard';

export interface MonitoringModuleProps {
  readonly environment: EnvironmentConfig;
}

export type MonitoringInputs =
  | 'kms_key_arn'
  | 'rest_api_name'
  | 'stage_name'
  | 'api_function_name'
  | 'vehicles_table_name'
  | 'positions_table_name'
  | 'devices_table_name'
  | 'cache_replication_group_id';
export type MonitoringOutputs = 'alarm_topic_arn' | 'dashboard_name' | 'budget_name';

/** Functions that get duration and error alarms, by job. */
const FUNCTION_JOBS: readonly FunctionJob[] = ['api'];

export function dashboardName(environment: string): string {
  return stackName(environment);
}

/**
 * module.monitoring: one encrypted SNS topic per environment (optional e-mail), the alarms at the
 * runbook's thresholds (config/thresholds.ts), a dashboard of every "key metric to monitor", and
 * the monthly AWS Budgets budget ("daily cost monitoring").
 */
export class MonitoringModule extends ModuleStack<MonitoringInputs, MonitoringOutputs> {
  constructor(props: MonitoringModuleProps) {
    super('monitoring');
    const env = props.environment;
    const text = (name: MonitoringInputs, description: string) => this.input(name, { type: 'string', description }).stringValue;
    const kmsKeyArn = text('kms_key_arn', 'KMS key for the topic (module.security)');
    const apiName = text('rest_api_name', 'REST API name (module.api_services)');
    const stage = text('stage_name', 'API stage (module.api_services)');
    const functionNames: Record<FunctionJob, string> = { api: text('api_function_name', 'API function (module.api_services)') };
    const tableNames: Record<string, string> = {
      vehicles: text('vehicles_table_name', 'Vehicles table (module.database)'),
      positions: text('positions_table_name', 'Positions table (module.database)'),
      devices: text('devices_table_name', 'Devices table (module.database)'),
    };
    const replicationGroup = text('cache_replication_group_id', 'Cache replication group (module.cache)');
    const account = new DataAwsCallerIdentity(this, 'current').accountId;
    const region = new DataAwsRegion(this, 'current_region').region;

    const topic = new SnsTopic(this, 'alarms', { name: resourceName(env.name, 'alarms'), kmsMasterKeyId: kmsKeyArn });
    new SnsTopicPolicy(this, 'alarms_policy', {
      arn: topic.arn,
      policy: policyDocument([
        {
          sid: 'AlarmsAndBudgetsPublish',
          principal: { Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] },
          actions: ['SNS:Publish'],
          resources: [topic.arn],
          condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
      ]),
    });
    if (env.alarmEmail) {
      new SnsTopicSubscription(this, 'alarms_email', { topicArn: topic.arn, protocol: 'email', endpoint: env.alarmEmail });
    }
    const context = { environment: env.name, topicArn: topic.arn };
    const api = { ApiName: apiName, Stage: stage };

    // API Gateway error rates as metric math: errors / requests, in percent, over 5 minutes.
    for (const [id, metric, threshold] of [
      ['api_5xx_rate', '5XXError', THRESHOLDS.api5xxRate],
      ['api_4xx_rate', '4XXError', THRESHOLDS.api4xxRate],
    ] as const) {
      alarm(this, id, context, threshold, undefined, {
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        metricQuery: [
          { id: 'errors', metric: { namespace: 'AWS/ApiGateway', metricName: metric, dimensions: api, period: threshold.periodSeconds, stat: 'Sum' } },
          { id: 'requests', metric: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: api, period: threshold.periodSeconds, stat: 'Sum' } },
          { id: 'rate', expression: 'IF(requests > 0, 100 * errors / requests, 0)', label: `${metric} rate (%)`, returnData: true },
        ],
      });
    }
    alarm(this, 'api_latency_p99', context, THRESHOLDS.apiLatencyP99, undefined, {
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      dimensions: api,
      extendedStatistic: 'p99',
      period: THRESHOLDS.apiLatencyP99.periodSeconds,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });

    for (const job of FUNCTION_JOBS) {
      const dimensions = { FunctionName: functionNames[job] };
      alarm(this, `lambda_duration_${job}`, context, THRESHOLDS.lambdaDuration, job, {
        namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, statistic: 'Maximum',
        period: THRESHOLDS.lambdaDuration.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
      });
      alarm(this, `lambda_errors_${job}`, context, THRESHOLDS.lambdaErrors, job, {
        namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, statistic: 'Sum',
        period: THRESHOLDS.lambdaErrors.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
      });
    }

    for (const table of TABLES) {
      const subjects = [
        { id: table.key, subject: table.key, dimensions: { TableName: tableNames[table.key] } },
        ...table.globalSecondaryIndexes.map((index) => ({
          id: `${table.key}_${snakeCase(index.name)}`,
          subject: `${table.key}-${index.name}`,
          dimensions: { TableName: tableNames[table.key], GlobalSecondaryIndexName: index.name },
        })),
      ];
      for (const { id, subject, dimensions } of subjects) {
        for (const [direction, threshold] of [['read', THRESHOLDS.dynamodbReadThrottles], ['write', THRESHOLDS.dynamodbWriteThrottles]] as const) {
          alarm(this, `dynamodb_${direction}_throttles_${id}`, context, threshold, subject, {
            namespace: 'AWS/DynamoDB', metricName: direction === 'read' ? 'ReadThrottleEvents' : 'WriteThrottleEvents', dimensions, statistic: 'Sum',
            period: threshold.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
          });
        }
      }
    }

    // Node ids follow the group id (module.cache's output), so the alarms depend on the group.
    cacheNodeSuffixes(env).forEach((node) => {
      alarm(this, `cache_cpu_${node}`, context, THRESHOLDS.cacheCpu, node, {
        namespace: 'AWS/ElastiCache', metricName: 'CPUUtilization', dimensions: { CacheClusterId: `${replicationGroup}-${node}` }, statistic: 'Average',
        period: THRESHOLDS.cacheCpu.periodSeconds, evaluationPeriods: 2, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing',
      });
    });

    const dashboard = new CloudwatchDashboard(this, 'main', {
      dashboardName: dashboardName(env.name),
      dashboardBody: dashboardBody({ region, apiName, stage, functionNames, tableNames, replicationGroup, nodeSuffixes: cacheNodeSuffixes(env) }),
    });

    const budget = new BudgetsBudget(this, 'monthly', {
      name: resourceName(env.name, 'monthly'),
      budgetType: 'COST',
      limitAmount: String(env.monthlyBudgetUsd),
      limitUnit: 'USD',
      timeUnit: 'MONTHLY',
      costFilter: [{ name: 'TagKeyValue', values: [`user:Environment$${env.name}`] }],
      notification: [
        { comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE', notificationType: 'ACTUAL', subscriberSnsTopicArns: [topic.arn] },
        { comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE', notificationType: 'FORECASTED', subscriberSnsTopicArns: [topic.arn] },
      ],
    });

    this.output('alarm_topic_arn', { value: topic.arn, description: 'SNS topic every alarm and the budget notify' });
    this.output('dashboard_name', { value: dashboard.dashboardName, description: 'CloudWatch dashboard with the runbook\'s key metrics' });
    this.output('budget_name', { value: budget.name, description: 'Monthly AWS Budgets budget' });
  }
}
