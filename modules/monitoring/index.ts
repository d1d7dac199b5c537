import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { TerraformIterator } from 'cdktf';
import { EnvironmentConfig, physicalTableName } from '../../config/environments';
import { BUILT_IN_CONSUMERS } from '../../config/delivery';
import { FUNCTION_JOBS, FunctionJob, busDeadLetterQueueName, functionDeadLetterQueueName, busRuleName, eventBusName, functionName, resourceName, snakeCase, stackName, webhookQueueNames } from '../../config/names';
import { TABLES } from '../../config/tables';
import { THRESHOLDS } from '../../config/thresholds';
import { cacheNodeSuffixes, replicationGroupId } from '../cache';
import { policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';
import { alarm } from './alarms';
import { dashboardBody } from './dashboard';

export interface MonitoringModuleProps {
  readonly environment: EnvironmentConfig;
}

export type MonitoringInputs = 'kms_key_arn' | 'alarm_email_addresses';
export type MonitoringOutputs = 'alarm_topic_arn' | 'dashboard_name' | 'budget_name';

/** The Redis engine thread's CPU, per node. */
export const CACHE_CPU_METRIC = 'EngineCPUUtilization';


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
    // What it watches, by the names config gives them (not through the other modules' outputs): an
    // alarm change never pulls a table, the cache or the function into a targeted apply, and a
    // restore that renames a table (tableNameOverrides) moves the alarms with it.
    const apiName = stackName(env.name);
    const stage = env.name;
    const functionNames = Object.fromEntries(FUNCTION_JOBS.map((job) => [job, functionName(env.name, job)])) as Record<FunctionJob, string>;
    const tableNames: Record<string, string> = Object.fromEntries(TABLES.map((table) => [table.key, physicalTableName(env, table.key)]));
    const replicationGroup = replicationGroupId(env.name);
    const alarmEmails = this.input('alarm_email_addresses', {
      type: 'list(string)',
      description: 'E-mail addresses subscribed to the alarm topic (root variable alarm_email_addresses)',
      validation: [{ condition: 'length(var.alarm_email_addresses) > 0', errorMessage: 'At least one address must receive the alarms.' }],
    }).listValue;
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
    const subscribers = TerraformIterator.fromList(alarmEmails);
    new SnsTopicSubscription(this, 'alarms_email', { forEach: subscribers, topicArn: topic.arn, protocol: 'email', endpoint: subscribers.value });
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

    // The event log: batches given up on, and a stream consumer falling behind (both by name).
    alarm(this, 'events_dead_letters', context, THRESHOLDS.eventsDeadLetters, undefined, {
      namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: functionDeadLetterQueueName(env.name, 'events') }, statistic: 'Maximum',
      period: THRESHOLDS.eventsDeadLetters.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
    });
    alarm(this, 'events_iterator_age', context, THRESHOLDS.eventsIteratorAge, undefined, {
      namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: functionNames.events }, statistic: 'Maximum',
      period: THRESHOLDS.eventsIteratorAge.periodSeconds, evaluationPeriods: 5, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
    });

    // Delivery: the events stream's consumer, the bus's rules, the webhooks past their last attempt.
    const queueAlarm = (id: string, threshold: (typeof THRESHOLDS)[keyof typeof THRESHOLDS], queueName: string) =>
      alarm(this, id, context, threshold, undefined, {
        namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, statistic: 'Maximum',
        period: threshold.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
      });
    queueAlarm('delivery_dead_letters', THRESHOLDS.deliveryDeadLetters, functionDeadLetterQueueName(env.name, 'delivery'));
    queueAlarm('bus_dead_letters', THRESHOLDS.busDeadLetters, busDeadLetterQueueName(env.name));
    queueAlarm('webhook_dead_letters', THRESHOLDS.webhookDeadLetters, webhookQueueNames(env.name).deadLetters);
    alarm(this, 'delivery_iterator_age', context, THRESHOLDS.deliveryIteratorAge, undefined, {
      namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: functionNames.delivery }, statistic: 'Maximum',
      period: THRESHOLDS.deliveryIteratorAge.periodSeconds, evaluationPeriods: 5, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
    });
    for (const consumer of [...BUILT_IN_CONSUMERS, ...env.events.consumers.map((c) => c.name)]) {
      alarm(this, `bus_failed_invocations_${snakeCase(consumer).replace(/-/g, '_')}`, context, THRESHOLDS.busFailedInvocations, consumer, {
        namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions: { EventBusName: eventBusName(env.name), RuleName: busRuleName(env.name, consumer) }, statistic: 'Sum',
        period: THRESHOLDS.busFailedInvocations.periodSeconds, evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
      });
    }

    // Node ids follow the group id (module.cache's output), so the alarms depend on the group.
    // Redis runs commands on one thread: EngineCPUUtilization is that thread, CPUUtilization would
    // average it with idle cores and fire only long after Redis saturates (AWS's guidance).
    cacheNodeSuffixes(env).forEach((node) => {
      alarm(this, `cache_cpu_${node}`, context, THRESHOLDS.cacheCpu, node, {
        namespace: 'AWS/ElastiCache', metricName: CACHE_CPU_METRIC, dimensions: { CacheClusterId: `${replicationGroup}-${node}` }, statistic: 'Average',
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
