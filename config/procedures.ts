/**
 * Every runbook procedure that runs Terraform or the AWS CLI, declared once: the commands an
 * operator types and what they are for. help/RUNBOOK.md shows these commands between
 * `<!-- procedure: <id> -->` markers (`npm run procedures` rewrites them), and a test computes each
 * `-target` closure on the synthesized graph of every environment and fails, naming the procedure,
 * when a command misses what it claims to change or reaches what it must not touch.
 */
import type { EnvironmentConfig } from './environments';
import { snakeCase } from './names';
import { TABLES } from './tables';

export interface Procedure {
  readonly id: string;
  /** The RUNBOOK.md heading (any level) the commands appear under. */
  readonly section: string;
  /** Shell lines as printed, with `<env>` and `<value:…>` placeholders; `\` continues a line. */
  readonly commands: readonly string[];
  /**
   * Address patterns (`*` within one segment, `**` across) the commands' `-target` closure must contain. A pattern
   * ending in `?` is required only in environments where it matches something.
   */
  readonly changes: readonly string[];
  /** Address patterns that must stay out of the closure (stateful or unrelated resources). */
  readonly mustNotTouch: readonly string[];
  /**
   * For AWS CLI changes made outside Terraform: the Terraform address and attribute they override,
   * and the config key that makes the change permanent before the next apply.
   */
  readonly overrides?: { readonly address: string; readonly attribute: string; readonly configKey?: string };
  /** Environments where the procedure applies (default: all). */
  readonly appliesTo?: (environment: EnvironmentConfig) => boolean;
}

const provisioned = (environment: EnvironmentConfig) => environment.dynamodb.capacity.billingMode === 'PROVISIONED';

export const API_RELEASE_TARGET = 'module.api_services.terraform_data.api_release';
const API_RELEASE = API_RELEASE_TARGET;
/** The events function's release: code, settings, policy and alias together (as the API's). */
export const EVENTS_RELEASE_TARGET = 'module.api_services.terraform_data.events_release';
/** The status function's release (the schedule invokes its alias). */
export const STATUS_RELEASE_TARGET = 'module.api_services.terraform_data.status_release';

/** The delivery function's release (the events stream, the bus rule and the retry queue invoke its alias). */
export const DELIVERY_RELEASE_TARGET = 'module.api_services.terraform_data.delivery_release';
/** Every function's release: what a change to the tables' names or grants must ship. */
const ALL_RELEASES = [API_RELEASE_TARGET, EVENTS_RELEASE_TARGET, STATUS_RELEASE_TARGET, DELIVERY_RELEASE_TARGET];

/** Stateful stores no procedure may touch unless it is about them. */
const TABLES_AND_SCALING = ['module.database.**'];
const FUNCTION = ['module.api_services.aws_lambda_*.*', API_RELEASE];

/** The scaling policies of every table and index: each closes over its scalable target (min/max). */
function capacityTargets(): string[] {
  return TABLES.flatMap((table) => [
    table.key,
    ...table.globalSecondaryIndexes.map((index) => `${table.key}_${snakeCase(index.name)}`),
  ]).flatMap((id) => [`module.database.aws_appautoscaling_policy.${id}_read_policy`, `module.database.aws_appautoscaling_policy.${id}_write_policy`]);
}

/** `terraform apply` with one `-target=` per line, as a reader can check them. */
function applyTargets(targets: readonly string[], verb = 'apply'): string[] {
  return targets.map((target, i) => `${i === 0 ? `terraform ${verb} ` : '  '}-target=${target}${i < targets.length - 1 ? ' \\' : ''}`);
}


export const PROCEDURES: readonly Procedure[] = [
  {
    id: 'api-release',
    section: 'Lambda Recovery',
    commands: [
      'npm run synth -- <env>',
      'cd cdktf.out/stacks/vehicle-tracking-<env>',
      'terraform init',
      `terraform apply -target=${API_RELEASE_TARGET}`,
      'aws lambda get-alias --function-name vehicle-tracking-<env>-api --name live --query FunctionVersion',
    ],
    changes: [
      'module.api_services.aws_lambda_function.api',
      'module.api_services.aws_lambda_alias.api_live',
      'module.api_services.aws_iam_role_policy.api_policy',
      'module.api_services.aws_lambda_provisioned_concurrency_config.api_provisioned_concurrency?',
      'module.api_services.aws_lambda_function_event_invoke_config.api_async_failures',
    ],
    mustNotTouch: [...TABLES_AND_SCALING, 'module.cache.**', 'module.monitoring.**', 'module.storage.**', 'module.api_services.aws_api_gateway_*.*'],
  },
  {
    id: 'events-release',
    section: 'Event Evaluation Failures',
    commands: [
      'npm run synth -- <env>',
      'cd cdktf.out/stacks/vehicle-tracking-<env>',
      'terraform init',
      `terraform apply -target=${EVENTS_RELEASE_TARGET}`,
      'aws lambda get-alias --function-name vehicle-tracking-<env>-events --name live --query FunctionVersion',
    ],
    changes: [
      'module.api_services.aws_lambda_function.events',
      'module.api_services.aws_lambda_alias.events_live',
      'module.api_services.aws_iam_role_policy.events_policy',
      'module.api_services.aws_lambda_function_event_invoke_config.events_async_failures',
    ],
    mustNotTouch: [...TABLES_AND_SCALING, 'module.cache.**', 'module.monitoring.**', 'module.storage.**', 'module.api_services.aws_api_gateway_*.*', 'module.api_services.aws_lambda_function.api'],
  },
  {
    id: 'status-release',
    section: 'Lambda Recovery',
    commands: [
      'npm run synth -- <env>',
      'cd cdktf.out/stacks/vehicle-tracking-<env>',
      'terraform init',
      `terraform apply -target=${STATUS_RELEASE_TARGET}`,
      'aws lambda get-alias --function-name vehicle-tracking-<env>-status --name live --query FunctionVersion',
    ],
    changes: [
      'module.api_services.aws_lambda_function.status',
      'module.api_services.aws_lambda_alias.status_live',
      'module.api_services.aws_iam_role_policy.status_policy',
    ],
    mustNotTouch: [...TABLES_AND_SCALING, 'module.cache.**', 'module.monitoring.**', 'module.storage.**', 'module.api_services.aws_api_gateway_*.*', 'module.api_services.aws_lambda_function.api', 'module.api_services.aws_lambda_function.events'],
  },
  {
    id: 'delivery-release',
    section: 'Event Delivery Failures',
    commands: [
      'npm run synth -- <env>',
      'cd cdktf.out/stacks/vehicle-tracking-<env>',
      'terraform init',
      `terraform apply -target=${DELIVERY_RELEASE_TARGET}`,
      'aws lambda get-alias --function-name vehicle-tracking-<env>-delivery --name live --query FunctionVersion',
    ],
    changes: [
      'module.api_services.aws_lambda_function.delivery',
      'module.api_services.aws_lambda_alias.delivery_live',
      'module.api_services.aws_iam_role_policy.delivery_policy',
      'module.api_services.aws_lambda_function_event_invoke_config.delivery_async_failures',
    ],
    mustNotTouch: [
      ...TABLES_AND_SCALING, 'module.cache.**', 'module.monitoring.**', 'module.storage.**', 'module.events.**', 'module.network.**',
      'module.api_services.aws_api_gateway_*.*', 'module.api_services.aws_lambda_function.api', 'module.api_services.aws_lambda_function.events',
    ],
  },
  {
    id: 'webhook-redrive',
    section: 'Event Delivery Failures',
    commands: [
      'REGION=$(aws configure get region); ACCOUNT=$(aws sts get-caller-identity --query Account --output text)',
      'aws sqs start-message-move-task \\',
      '  --source-arn arn:aws:sqs:$REGION:$ACCOUNT:vehicle-tracking-<env>-webhook-dead-letters \\',
      '  --destination-arn arn:aws:sqs:$REGION:$ACCOUNT:vehicle-tracking-<env>-webhook-retries',
    ],
    changes: [],
    mustNotTouch: [],
  },
  {
    id: 'lambda-rollback',
    section: 'Lambda Function Errors',
    commands: [
      "aws lambda list-versions-by-function --function-name vehicle-tracking-<env>-api --query 'Versions[-3:].[Version,LastModified]' --output text",
      'aws lambda update-alias --function-name vehicle-tracking-<env>-api --name live --function-version <previous version>',
    ],
    changes: [],
    mustNotTouch: [],
    overrides: { address: 'module.api_services.aws_lambda_alias.api_live', attribute: 'function_version', configKey: 'functions.api.pinnedVersion' },
  },
  {
    id: 'api-throttling',
    section: 'Horizontal Scaling',
    commands: [
      'npm run synth -- <env>',
      ...applyTargets(['module.api_services.aws_api_gateway_usage_plan.rest_api_usage_plan', 'module.api_services.aws_api_gateway_method_settings.rest_api_all_methods']),
    ],
    changes: ['module.api_services.aws_api_gateway_usage_plan.rest_api_usage_plan', 'module.api_services.aws_api_gateway_method_settings.rest_api_all_methods'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING, 'module.cache.**'],
  },
  {
    id: 'waf-rate-limit',
    section: '2. DDoS Attack',
    commands: ['npm run synth -- <env>', 'terraform apply -target=module.api_services.aws_wafv2_web_acl_association.rest_api_waf_association'],
    changes: ['module.api_services.aws_wafv2_web_acl.rest_api_waf', 'module.api_services.aws_wafv2_web_acl_association.rest_api_waf_association'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING, 'module.cache.**'],
    appliesTo: (environment) => environment.api.waf.enabled,
  },
  {
    id: 'dynamodb-capacity',
    section: 'DynamoDB Throttling',
    commands: ['npm run synth -- <env>', ...applyTargets(capacityTargets())],
    changes: ['module.database.aws_appautoscaling_target.*', 'module.database.aws_appautoscaling_policy.*'],
    mustNotTouch: [...FUNCTION, 'module.cache.**', 'module.monitoring.**'],
    appliesTo: provisioned,
  },
  {
    id: 'dynamodb-relief',
    section: 'DynamoDB Throttling',
    commands: [
      '# from the alarm name …-<read|write>-throttles-<table>[-<index>]; one of these four:',
      'RESOURCE=table/vehicle-tracking-<env>-positions DIMENSION=dynamodb:table:WriteCapacityUnits MAX=$((2 * <value:dynamodb.capacity.write.max>))',
      'RESOURCE=table/vehicle-tracking-<env>-positions DIMENSION=dynamodb:table:ReadCapacityUnits MAX=$((2 * <value:dynamodb.capacity.read.max>))',
      'RESOURCE=table/vehicle-tracking-<env>-vehicles/index/byFleet DIMENSION=dynamodb:index:WriteCapacityUnits MAX=$((2 * <value:dynamodb.capacity.write.max>))',
      'RESOURCE=table/vehicle-tracking-<env>-vehicles/index/byFleet DIMENSION=dynamodb:index:ReadCapacityUnits MAX=$((2 * <value:dynamodb.capacity.read.max>))',
      'aws application-autoscaling register-scalable-target --service-namespace dynamodb \\',
      '  --resource-id "$RESOURCE" --scalable-dimension "$DIMENSION" --max-capacity "$MAX"',
    ],
    changes: [],
    mustNotTouch: [],
    overrides: { address: 'module.database.aws_appautoscaling_target.positions_write', attribute: 'max_capacity', configKey: 'dynamodb.capacity.write.max' },
    appliesTo: provisioned,
  },
  {
    id: 'dynamodb-restore',
    section: 'DynamoDB Recovery',
    commands: [
      'npm run synth -- <env>',
      'terraform state rm module.database.aws_dynamodb_table.vehicles',
      'terraform import module.database.aws_dynamodb_table.vehicles vehicle-tracking-<env>-vehicles-restored',
      // Every function names the tables; restored tables have new streams for module.events.
      ...applyTargets(['module.database', ...ALL_RELEASES, 'module.events', 'module.monitoring']),
    ],
    changes: [
      'module.database.aws_dynamodb_table.*',
      'module.database.aws_appautoscaling_target.*?',
      'module.api_services.aws_lambda_function.api',
      'module.api_services.aws_lambda_alias.api_live',
      'module.api_services.aws_iam_role_policy.api_policy',
      'module.api_services.aws_lambda_function.events',
      'module.api_services.aws_lambda_alias.events_live',
      'module.api_services.aws_lambda_function.delivery',
      'module.events.aws_lambda_event_source_mapping.positions_stream',
      'module.events.aws_lambda_event_source_mapping.events_stream',
      'module.monitoring.aws_cloudwatch_metric_alarm.*',
      'module.monitoring.aws_cloudwatch_dashboard.main',
    ],
    mustNotTouch: ['module.cache.**', 'module.api_services.aws_api_gateway_*.*'],
  },
  {
    id: 'dynamodb-index-change',
    section: 'Maintenance Checklist',
    // The table with its new index, the index's auto scaling, the functions' grants on it, its alarms.
    commands: ['npm run synth -- <env>', ...applyTargets(['module.database', ...ALL_RELEASES, 'module.monitoring'])],
    changes: [
      'module.database.aws_dynamodb_table.*',
      'module.database.aws_appautoscaling_target.*?',
      'module.database.aws_appautoscaling_policy.*?',
      'module.api_services.aws_iam_role_policy.api_policy',
      'module.monitoring.aws_cloudwatch_metric_alarm.*',
    ],
    mustNotTouch: ['module.cache.**', 'module.api_services.aws_api_gateway_*.*'],
  },
  {
    id: 'cache-scale',
    section: 'Vertical Scaling',
    commands: ['npm run synth -- <env>', 'terraform apply -target=module.cache.aws_secretsmanager_secret_version.endpoint_value'],
    changes: ['module.cache.aws_elasticache_replication_group.main', 'module.cache.aws_secretsmanager_secret_version.endpoint_value'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING],
  },
  {
    id: 'cache-scale-now',
    section: 'Vertical Scaling',
    commands: [
      'aws elasticache modify-replication-group --replication-group-id vehicle-tracking-<env>-cache \\',
      '  --cache-node-type <value:cache.nodeType> --apply-immediately',
    ],
    changes: [],
    mustNotTouch: [],
    overrides: { address: 'module.cache.aws_elasticache_replication_group.main', attribute: 'node_type', configKey: 'cache.nodeType' },
  },
  {
    id: 'cache-restore',
    section: 'ElastiCache Recovery',
    commands: [
      'aws elasticache describe-snapshots --replication-group-id vehicle-tracking-<env>-cache \\',
      "  --query 'Snapshots[].{name:SnapshotName,source:SnapshotSource,created:NodeSnapshots[0].SnapshotCreateTime}'",
      'COPY=vehicle-tracking-<env>-cache-restore-$(date -u +%Y%m%d%H%M); echo "$COPY"',
      'aws elasticache copy-snapshot --source-snapshot-name <snapshot name> --target-snapshot-name "$COPY"',
      'until [ "$(aws elasticache describe-snapshots --snapshot-name "$COPY" --query \'Snapshots[0].SnapshotStatus\' --output text)" = available ]; do sleep 15; done',
      '# set cache.restoreFromSnapshot to the name echoed above, then:',
      'npm run synth -- <env>',
      'terraform apply -replace=module.cache.aws_elasticache_replication_group.main \\',
      '  -target=module.cache.aws_secretsmanager_secret_version.endpoint_value',
    ],
    changes: ['module.cache.aws_elasticache_replication_group.main', 'module.cache.aws_secretsmanager_secret_version.endpoint_value'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING],
  },
  {
    id: 'api-key-cutoff',
    section: '1. Suspected Breach',
    commands: [
      "KEY_ID=$(aws apigateway get-api-keys --name-query vehicle-tracking-<env>-<key name> --query 'items[0].id' --output text)",
      'aws apigateway update-api-key --api-key "$KEY_ID" --patch-operations op=replace,path=/enabled,value=false',
    ],
    changes: [],
    mustNotTouch: [],
    overrides: { address: 'module.api_services.aws_api_gateway_api_key.rest_api_key_<old_key>', attribute: 'enabled', configKey: 'api.disabledApiKeyNames' },
  },
  {
    id: 'api-key-rotation',
    section: '1. Suspected Breach',
    commands: [
      'npm run synth -- <env>',
      'terraform apply -target=module.api_services.terraform_data.api_key_set',
      "aws apigateway get-api-keys --name-query vehicle-tracking-<env>-<new key name> --include-values --query 'items[0].value' --output text",
      '# later, once clients use the new key and the old name is removed from the config:',
      'npm run synth -- <env>',
      ...applyTargets([
        'module.api_services.terraform_data.api_key_set',
        'module.api_services.aws_api_gateway_usage_plan_key.rest_api_key_<old_key>_plan',
        'module.api_services.aws_api_gateway_api_key.rest_api_key_<old_key>',
      ]),
    ],
    changes: ['module.api_services.aws_api_gateway_api_key.*', 'module.api_services.aws_api_gateway_usage_plan_key.*', 'module.api_services.aws_secretsmanager_secret_version.api_keys_value'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING, 'module.cache.**'],
  },
  {
    id: 'redis-auth-rotation',
    section: '1. Suspected Breach',
    commands: [
      'npm run synth -- <env>',
      'terraform apply -replace=module.cache.aws_secretsmanager_secret_version.auth_token_value \\',
      '  -target=module.cache.aws_elasticache_replication_group.main',
      'sleep 120   # every container re-reads the token within a minute',
      'aws elasticache modify-replication-group --replication-group-id vehicle-tracking-<env>-cache --apply-immediately \\',
      '  --auth-token "$(aws secretsmanager get-secret-value --secret-id vehicle-tracking-<env>-redis-auth-token --query SecretString --output text)" \\',
      '  --auth-token-update-strategy SET',
    ],
    changes: ['module.cache.aws_secretsmanager_secret_version.auth_token_value', 'module.cache.aws_elasticache_replication_group.main'],
    mustNotTouch: [...FUNCTION, ...TABLES_AND_SCALING],
  },
  {
    id: 'first-deployment',
    section: 'First Deployment',
    commands: [
      'npm run preflight -- <env> --check',
      'npm run synth',
      'cd cdktf.out/stacks/vehicle-tracking-account',
      'terraform init && terraform apply',
      'npm run preflight -- <env> --check --phase account',
      'cd ../vehicle-tracking-<env>',
      'terraform init && terraform apply',
      'npm run preflight -- <env> --check --phase after   # once the alarm e-mails are confirmed',
    ],
    changes: [],
    mustNotTouch: [],
  },
];

export function procedure(id: string): Procedure {
  const found = PROCEDURES.find((p) => p.id === id);
  if (!found) throw new Error(`No procedure ${id} in config/procedures.ts`);
  return found;
}
