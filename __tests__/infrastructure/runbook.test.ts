/**
 * One test per line of the operations runbook (../shared/seed-runbook.md), grouped by its sections:
 * each asserts the resource or setting behind that line in the synthesized Terraform.
 */
import { environmentNames, getEnvironment } from '../../config/environments';
import { lambdaLogGroupName, resourceName, stackName, tableName } from '../../config/names';
import { MAINTENANCE_WINDOW, PITR_RECOVERY_PERIOD_DAYS } from '../../config/operations';
import { TABLES } from '../../config/tables';
import { THRESHOLDS } from '../../config/thresholds';
import { cacheNodeSuffixes } from '../../modules/cache';
import { TfJson, resourcesOfType, synthesizeAll } from '../helpers/synthesized';

const synthesized = synthesizeAll();
const byType = (environment: string, module: string, type: string) => synthesized.resources(environment, module, type);
const alarms = (environment: string) => byType(environment, 'monitoring', 'aws_cloudwatch_metric_alarm');
const alarmNamed = (environment: string, name: string): TfJson => {
  const found = Object.values(alarms(environment)).find((a) => a.alarm_name === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found;
};
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

describe.each(environmentNames())('%s', (environment) => {
  const env = getEnvironment(environment);
  const api = byType(environment, 'api_services', 'aws_api_gateway_rest_api').rest_api;
  const stage = byType(environment, 'api_services', 'aws_api_gateway_stage').rest_api_stage;
  const tables = byType(environment, 'database', 'aws_dynamodb_table');
  const cache = byType(environment, 'cache', 'aws_elasticache_replication_group').main;
  const fn = byType(environment, 'api_services', 'aws_lambda_function').api;

  describe('System Health Checks', () => {
    test('1. API Health Check: a regional REST API whose stage is the environment, /health open without a key', () => {
      expect(api.endpoint_configuration.types).toEqual(['REGIONAL']);
      // Large answers (the map's script) are gzipped by the gateway for clients that accept it.
      expect(api.minimum_compression_size).toBe('1024');
      expect(stage.stage_name).toBe(environment);
      const resources = byType(environment, 'api_services', 'aws_api_gateway_resource');
      expect(resources.rest_api_health.path_part).toBe('health');
      const methods = byType(environment, 'api_services', 'aws_api_gateway_method');
      expect(methods.rest_api_health_method).toMatchObject({ http_method: 'GET', api_key_required: false });
      expect(methods.rest_api_health_proxy_method).toMatchObject({ http_method: 'GET', api_key_required: false });
      expect(synthesized.root(environment).output.health_url.value).toBe('${module.api_services.health_url}');
      expect(synthesized.module(environment, 'api_services').output.health_url.value).toBe('${aws_api_gateway_stage.rest_api_stage.invoke_url}/health');
    });

    test('2. Database Health: the table vehicle-tracking-<env>-vehicles exists', () => {
      expect(tables.vehicles.name).toBe(`vehicle-tracking-${environment}-vehicles`);
    });

    test('3. Lambda Functions: every function is named vehicle-tracking-*', () => {
      const functions = resourcesOfType(environment, 'aws_lambda_function');
      expect(functions.length).toBeGreaterThan(0);
      for (const f of functions) expect(f.config.function_name).toMatch(new RegExp(`^${stackName(environment)}-`));
    });
  });

  describe('Common Issues and Solutions', () => {
    test('High API Latency: symptoms > 1000 ms alarm on p99 latency', () => {
      expect(alarmNamed(environment, resourceName(environment, 'api-latency-p99'))).toMatchObject({
        metric_name: 'Latency', namespace: 'AWS/ApiGateway', extended_statistic: 'p99', threshold: 1000, comparison_operator: 'GreaterThanThreshold',
      });
    });

    test('High API Latency: investigation 1-3 — Lambda duration, DynamoDB throttling and cache hit ratio are on the dashboard', () => {
      const body = byType(environment, 'monitoring', 'aws_cloudwatch_dashboard').main.dashboard_body as string;
      for (const metric of ['"Duration"', '"ReadThrottleEvents"', '"WriteThrottleEvents"', '"CacheHitRate"']) expect(body).toContain(metric);
    });

    test('High API Latency: resolution 1 — read/write capacity scales (auto scaling) or is on demand', () => {
      const targets = Object.values(byType(environment, 'database', 'aws_appautoscaling_target'));
      if (env.dynamodb.capacity.billingMode === 'PROVISIONED') {
        expect(targets.length).toBe(TABLES.reduce((n, t) => n + 2 * (1 + t.globalSecondaryIndexes.length), 0));
      } else {
        expect(targets).toEqual([]);
      }
    });

    test('High API Latency: resolution 2 — Lambda memory is the configured value', () => {
      expect(fn.memory_size).toBe(env.functions.api.memoryMb);
    });

    test('High API Latency: resolution 3 — cache configuration (node type, replicas) comes from config', () => {
      expect(cache.node_type).toBe(env.cache.nodeType);
      expect(cache.num_cache_clusters).toBe(1 + env.cache.replicas);
    });

    test('Lambda Function Errors: symptom 5XX in API Gateway has an alarm', () => {
      expect(alarmNamed(environment, resourceName(environment, 'api-5xx-rate')).metric_query[0].metric.metric_name).toBe('5XXError');
    });

    test('Lambda Function Errors: investigation 1 — logs in /aws/lambda/<function name>, with retention', () => {
      const group = byType(environment, 'api_services', 'aws_cloudwatch_log_group').api_logs;
      expect(group.name).toBe(lambdaLogGroupName(environment, 'api'));
      expect(group.retention_in_days).toBe(env.logRetentionDays);
      expect(fn.logging_config).toEqual({ log_format: 'JSON', log_group: '${aws_cloudwatch_log_group.api_logs.name}' });
    });

    test('Lambda Function Errors: investigation 2 — errors and duration alarms per function', () => {
      expect(alarmNamed(environment, resourceName(environment, 'lambda-errors-api')).dimensions).toEqual({ FunctionName: `vehicle-tracking-${environment}-api` });
      expect(alarmNamed(environment, resourceName(environment, 'lambda-duration-api')).statistic).toBe('Maximum');
    });

    test('Lambda Function Errors: investigation 3 / resolution 2 — one IAM role per function, with its own policy', () => {
      expect(fn.role).toBe('${aws_iam_role.api_role.arn}');
      expect(byType(environment, 'api_services', 'aws_iam_role_policy').api_policy.role).toBe('${aws_iam_role.api_role.id}');
    });

    test('Lambda Function Errors: resolution 3 — timeout is the configured value', () => {
      expect(fn.timeout).toBe(env.functions.api.timeoutSeconds);
    });

    test('DynamoDB Throttling: investigation 1 and 3 — read and write throttle alarms per table and per GSI', () => {
      for (const table of TABLES) {
        for (const direction of ['read', 'write']) {
          const tableAlarm = alarmNamed(environment, resourceName(environment, `dynamodb-${direction}-throttles-${table.key}`));
          expect(tableAlarm).toMatchObject({ threshold: 0, comparison_operator: 'GreaterThanThreshold' });
          for (const index of table.globalSecondaryIndexes) {
            const indexAlarm = alarmNamed(environment, resourceName(environment, `dynamodb-${direction}-throttles-${table.key}-${index.name}`));
            expect(indexAlarm.dimensions.GlobalSecondaryIndexName).toBe(index.name);
          }
        }
      }
    });

    test('DynamoDB Throttling: resolution 1 — auto scaling on the table and every GSI, bounds from config', () => {
      const { capacity } = env.dynamodb;
      if (capacity.billingMode !== 'PROVISIONED') return;
      const targets = Object.values(byType(environment, 'database', 'aws_appautoscaling_target'));
      for (const table of TABLES) {
        const name = tableName(environment, table.key);
        const ids = [`table/${name}`, ...table.globalSecondaryIndexes.map((i) => `table/${name}/index/${i.name}`)];
        for (const id of ids) {
          const read = targets.find((t) => t.resource_id.endsWith(id.replace(name, '${aws_dynamodb_table.' + table.key + '.name}')) && t.scalable_dimension.endsWith('ReadCapacityUnits'));
          expect(read).toMatchObject({ min_capacity: capacity.read.min, max_capacity: capacity.read.max });
        }
      }
      const policies = Object.values(byType(environment, 'database', 'aws_appautoscaling_policy'));
      for (const policy of policies) {
        expect(policy.target_tracking_scaling_policy_configuration.target_value).toBe(capacity.read.targetUtilization);
      }
    });
  });

  describe('Monitoring and Alerting', () => {
    test('API error rate > 5 %: 4XX and 5XX as errors / requests over 5 minutes', () => {
      for (const [id, metric] of [['api-5xx-rate', '5XXError'], ['api-4xx-rate', '4XXError']]) {
        const a = alarmNamed(environment, resourceName(environment, id));
        expect(a.threshold).toBe(5);
        expect(a.metric_query.map((q: TfJson) => q.metric?.metric_name ?? q.expression)).toEqual([metric, 'Count', 'IF(requests > 0, 100 * errors / requests, 0)']);
        expect(a.metric_query[0].metric.period).toBe(300);
      }
    });

    test('Lambda duration > 10 seconds', () => {
      expect(alarmNamed(environment, resourceName(environment, 'lambda-duration-api')).threshold).toBe(THRESHOLDS.lambdaDuration.threshold);
      expect(THRESHOLDS.lambdaDuration.threshold).toBe(10_000);
    });

    test('DynamoDB throttling > 0', () => {
      const throttles = Object.values(alarms(environment)).filter((a) => /ThrottleEvents$/.test(a.metric_name));
      expect(throttles.length).toBe(TABLES.reduce((n, t) => n + 2 * (1 + t.globalSecondaryIndexes.length), 0));
      for (const a of throttles) expect(a.threshold).toBe(0);
    });

    test('ElastiCache CPU > 80 % on every node, measured on the Redis engine thread', () => {
      const cpu = Object.values(alarms(environment)).filter((a) => /CPUUtilization$/.test(a.metric_name));
      // Redis is single-threaded: host CPUUtilization on a multi-vCPU node stays low while Redis saturates.
      expect(cpu.map((a) => a.metric_name)).toEqual(cpu.map(() => 'EngineCPUUtilization'));
      expect(cpu.map((a) => a.dimensions.CacheClusterId)).toEqual(
        cacheNodeSuffixes(env).map((suffix) => `vehicle-tracking-${environment}-cache-${suffix}`),
      );
      expect(cpu).toHaveLength(1 + env.cache.replicas);
      for (const a of cpu) expect(a.threshold).toBe(80);
    });

    test('Key metrics: 4XX/5XX, Lambda duration and errors, DynamoDB capacity, ElastiCache CPU and memory are on the dashboard', () => {
      const body = byType(environment, 'monitoring', 'aws_cloudwatch_dashboard').main.dashboard_body as string;
      for (const metric of ['4XXError', '5XXError', 'Errors', 'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'EngineCPUUtilization', 'DatabaseMemoryUsagePercentage']) {
        expect(body).toContain(`"${metric}"`);
      }
    });

    test('every alarm notifies the environment\'s one SNS topic, on alarm and on recovery, and names its runbook section', () => {
      expect(Object.keys(byType(environment, 'monitoring', 'aws_sns_topic'))).toEqual(['alarms']);
      for (const a of Object.values(alarms(environment))) {
        expect(a.alarm_actions).toEqual(['${aws_sns_topic.alarms.arn}']);
        expect(a.ok_actions).toEqual(['${aws_sns_topic.alarms.arn}']);
        expect(a.alarm_description).toMatch(/Runbook: help\/RUNBOOK\.md#[a-z0-9-]+$/);
      }
    });

    test('every alarm e-mail of the root variable subscribes to the topic; the root requires at least one', () => {
      const subscription = byType(environment, 'monitoring', 'aws_sns_topic_subscription').alarms_email;
      expect(subscription).toMatchObject({ for_each: '${toset(var.alarm_email_addresses)}', protocol: 'email', endpoint: '${each.value}' });
      expect(synthesized.root(environment).module.monitoring.alarm_email_addresses).toBe('${var.alarm_email_addresses}');
      expect(synthesized.root(environment).variable.alarm_email_addresses.validation[0].condition).toMatch(/length\(var\.alarm_email_addresses\) > 0/);
    });
  });

  describe('Backup and Recovery', () => {
    test('DynamoDB: point-in-time recovery enabled (35 days) on every table', () => {
      expect(Object.keys(tables).sort()).toEqual(TABLES.map((t) => t.key).sort());
      for (const table of Object.values(tables)) {
        expect(table.point_in_time_recovery).toEqual({ enabled: true, recovery_period_in_days: PITR_RECOVERY_PERIOD_DAYS });
      }
      expect(PITR_RECOVERY_PERIOD_DAYS).toBe(35);
    });

    test('ElastiCache: daily snapshots, kept >= 1 day (>= 7 in prod), taken outside the maintenance window', () => {
      expect(cache.snapshot_retention_limit).toBe(env.cache.snapshotRetentionDays);
      expect(cache.snapshot_retention_limit).toBeGreaterThanOrEqual(environment === 'prod' ? 7 : 1);
      const [start, end] = (cache.snapshot_window as string).split('-');
      // Maintenance is Sunday 02:00-04:00; a daily window must not touch 02:00-04:00.
      expect(minutes(end) <= minutes('02:00') || minutes(start) >= minutes('04:00')).toBe(true);
    });

    test('Lambda Recovery: the function is addressable as module.api_services.aws_lambda_function.api', () => {
      expect(fn.function_name).toBe(resourceName(environment, 'api'));
    });

    test('deletion protection on the tables in prod', () => {
      for (const table of Object.values(tables)) expect(table.deletion_protection_enabled).toBe(env.dynamodb.deletionProtection);
      if (environment === 'prod') expect(env.dynamodb.deletionProtection).toBe(true);
    });
  });

  describe('Scaling Procedures', () => {
    test('Vertical: Lambda memory and ElastiCache node type are single config values', () => {
      expect(fn.memory_size).toBe(env.functions.api.memoryMb);
      expect(cache.node_type).toBe(env.cache.nodeType);
    });

    test('Horizontal: DynamoDB auto scaling bounds are config values (or on-demand)', () => {
      const targets = Object.values(byType(environment, 'database', 'aws_appautoscaling_target'));
      const { capacity } = env.dynamodb;
      if (capacity.billingMode === 'PROVISIONED') {
        for (const t of targets.filter((t) => t.scalable_dimension.endsWith('WriteCapacityUnits'))) {
          expect([t.min_capacity, t.max_capacity]).toEqual([capacity.write.min, capacity.write.max]);
        }
      }
    });

    test('Multi-AZ with automatic failover exactly when there are replicas', () => {
      expect(cache.automatic_failover_enabled).toBe(env.cache.replicas > 0);
      expect(cache.multi_az_enabled).toBe(env.cache.replicas > 0);
    });
  });

  describe('Performance Tuning', () => {
    test('Lambda optimization 2: provisioned concurrency on the live alias where configured', () => {
      const configs = Object.values(byType(environment, 'api_services', 'aws_lambda_provisioned_concurrency_config'));
      if (env.functions.api.provisionedConcurrency > 0) {
        expect(configs).toEqual([expect.objectContaining({ qualifier: '${aws_lambda_alias.api_live.name}', provisioned_concurrent_executions: env.functions.api.provisionedConcurrency })]);
      } else {
        expect(configs).toEqual([]);
      }
      // The live alias by its ARN (built from names, so the API's resources never depend on the function).
      const integration = byType(environment, 'api_services', 'aws_api_gateway_integration').rest_api_proxy_integration;
      expect(integration).toMatchObject({
        type: 'AWS_PROXY',
        uri: `arn:aws:apigateway:\${data.aws_region.current_region.region}:lambda:path/2015-03-31/functions/arn:aws:lambda:\${data.aws_region.current_region.region}:\${data.aws_caller_identity.current.account_id}:function:vehicle-tracking-${environment}-api:live/invocations`,
      });
    });

    test('Database optimization 2: the GSIs of config/tables.ts exist', () => {
      for (const table of TABLES) {
        expect((tables[table.key].global_secondary_index ?? []).map((i: TfJson) => i.name)).toEqual(table.globalSecondaryIndexes.map((i) => i.name));
      }
    });

    test('Caching strategy: the API gets the names of the secrets holding the cache endpoint and AUTH token, never the token', () => {
      const variables = fn.environment.variables;
      expect(variables.REDIS_ENDPOINT_SECRET_ID).toBe(`vehicle-tracking-${environment}-redis-endpoint`);
      expect(variables.REDIS_AUTH_SECRET_ID).toBe(`vehicle-tracking-${environment}-redis-auth-token`);
      expect(variables.REDIS_URL).toBeUndefined();
      expect(JSON.stringify(variables)).not.toMatch(/auth_token\.|password|\$\{/i);
      const endpoint = byType(environment, 'cache', 'aws_secretsmanager_secret_version').endpoint_value;
      expect(endpoint.secret_string).toBe('rediss://${aws_elasticache_replication_group.main.primary_endpoint_address}:6379');
    });
  });

  describe('Security Incident Response', () => {
    test('Suspected breach 1: API keys come from config names and their values sit in a Secrets Manager secret', () => {
      const keys = Object.values(byType(environment, 'api_services', 'aws_api_gateway_api_key'));
      expect(keys.map((k) => k.name).sort()).toEqual(env.api.apiKeyNames.map((n) => resourceName(environment, n)).sort());
      for (const key of keys) expect(key.value).toBeUndefined(); // generated by AWS, never in code
      const version = byType(environment, 'api_services', 'aws_secretsmanager_secret_version').api_keys_value;
      expect(version.secret_string).toMatch(/^\$\{jsonencode\(\[aws_api_gateway_api_key\..*\.value/);
    });

    test('Suspected breach 1: the Redis AUTH token lives in Secrets Manager and rotates without downtime', () => {
      expect(cache.auth_token).toBe('${aws_secretsmanager_secret_version.auth_token_value.secret_string}');
      expect(cache.auth_token_update_strategy).toBe('ROTATE');
    });

    test('Suspected breach 2: CloudTrail multi-region with log file validation, encrypted, into the audit bucket', () => {
      expect(byType(environment, 'security', 'aws_cloudtrail').audit).toMatchObject({
        is_multi_region_trail: true,
        enable_log_file_validation: true,
        include_global_service_events: true,
        kms_key_id: '${aws_kms_key.main.arn}',
        s3_bucket_name: '${var.audit_bucket_name}',
      });
      expect(synthesized.root(environment).module.security.audit_bucket_name).toBe('${module.storage.audit_bucket_name}');
    });

    test('DDoS 2: rate limiting in API Gateway — usage plan and stage throttling from config', () => {
      const plan = byType(environment, 'api_services', 'aws_api_gateway_usage_plan').rest_api_usage_plan;
      expect(plan.throttle_settings).toEqual({ rate_limit: env.api.throttleRateLimit, burst_limit: env.api.throttleBurstLimit });
      const settings = byType(environment, 'api_services', 'aws_api_gateway_method_settings').rest_api_all_methods.settings;
      expect(settings).toMatchObject({ throttling_rate_limit: env.api.throttleRateLimit, throttling_burst_limit: env.api.throttleBurstLimit, metrics_enabled: true });
    });

    test('DDoS 2: a WAF rate-based rule per client IP where config enables it', () => {
      const acls = Object.values(byType(environment, 'api_services', 'aws_wafv2_web_acl'));
      if (!env.api.waf.enabled) return expect(acls).toEqual([]);
      expect(acls[0].rule[0].statement).toEqual({ rate_based_statement: { limit: env.api.waf.rateLimitPer5Minutes, aggregate_key_type: 'IP' } });
      expect(byType(environment, 'api_services', 'aws_wafv2_web_acl_association').rest_api_waf_association.resource_arn).toBe('${aws_api_gateway_stage.rest_api_stage.arn}');
    });

    test('access logs (JSON) and X-Ray tracing on the stage and the function', () => {
      expect(stage.xray_tracing_enabled).toBe(true);
      expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
      expect(fn.tracing_config).toEqual({ mode: 'Active' });
    });
  });

  describe('Maintenance Windows', () => {
    test('Sunday 2:00 AM - 4:00 AM UTC on the cache', () => {
      expect(cache.maintenance_window).toBe(MAINTENANCE_WINDOW);
      expect(MAINTENANCE_WINDOW).toBe('sun:02:00-sun:04:00');
    });

    test('Clean up old CloudWatch logs: every log group has the configured retention', () => {
      for (const group of resourcesOfType(environment, 'aws_cloudwatch_log_group')) {
        expect([group.address, group.config.retention_in_days]).toEqual([group.address, env.logRetentionDays]);
      }
    });
  });

  describe('Cost Management', () => {
    test('Daily cost monitoring: a monthly budget from config notifies the alarm topic', () => {
      const budget = byType(environment, 'monitoring', 'aws_budgets_budget').monthly;
      expect(budget).toMatchObject({ budget_type: 'COST', time_unit: 'MONTHLY', limit_amount: String(env.monthlyBudgetUsd), limit_unit: 'USD' });
      for (const n of budget.notification) expect(n.subscriber_sns_topic_arns).toEqual(['${aws_sns_topic.alarms.arn}']);
    });

    test('Cost allocation: default tags on every resource, including CostCenter', () => {
      expect(synthesized.root(environment).provider.aws[0].default_tags[0].tags.CostCenter).toBe(env.costCenter);
    });

    test('Implement lifecycle policies for S3: to Standard-IA, to Glacier, then expiry', () => {
      const rule = byType(environment, 'storage', 'aws_s3_bucket_lifecycle_configuration').audit_lifecycle.rule[0];
      expect(rule.transition).toEqual([
        { days: env.storage.transitionToInfrequentAccessDays, storage_class: 'STANDARD_IA' },
        { days: env.storage.transitionToGlacierDays, storage_class: 'GLACIER' },
      ]);
      expect(rule.expiration).toEqual([{ days: env.storage.expireAfterDays }]);
    });
  });

  describe('Network', () => {
    test('private subnets in as many availability zones as configured (>= 2), and no NAT gateway or internet gateway', () => {
      const subnets = Object.values(byType(environment, 'network', 'aws_subnet'));
      expect(subnets).toHaveLength(env.network.availabilityZones);
      for (const s of subnets) expect(s.map_public_ip_on_launch).toBe(false);
      expect(resourcesOfType(environment, 'aws_nat_gateway')).toEqual([]);
      expect(resourcesOfType(environment, 'aws_internet_gateway')).toEqual([]);
    });

    test('Redis (6379) only from the Lambda security group', () => {
      const ingress = Object.values(byType(environment, 'network', 'aws_vpc_security_group_ingress_rule')).filter((r) => r.security_group_id === '${aws_security_group.cache.id}');
      expect(ingress).toEqual([expect.objectContaining({ referenced_security_group_id: '${aws_security_group.lambda.id}', from_port: 6379, to_port: 6379 })]);
      expect(cache.security_group_ids).toEqual(['${var.security_group_id}']);
      expect(synthesized.root(environment).module.cache.security_group_id).toBe('${module.network.cache_security_group_id}');
    });

    test('gateway endpoints for DynamoDB and S3, flow logs on', () => {
      const endpoints = byType(environment, 'network', 'aws_vpc_endpoint');
      expect(endpoints.dynamodb.vpc_endpoint_type).toBe('Gateway');
      expect(endpoints.s3.vpc_endpoint_type).toBe('Gateway');
      expect(byType(environment, 'network', 'aws_flow_log').vpc).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    });

    test('the function runs in the private subnets', () => {
      expect(fn.vpc_config).toEqual({ subnet_ids: '${var.subnet_ids}', security_group_ids: ['${var.security_group_id}'] });
    });
  });
});
