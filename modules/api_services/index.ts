import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { DataResource, Fn } from 'cdktf';
import type { EnvironmentConfig } from '../../config/environments';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { physicalTableName } from '../../config/environments';
import { TableKey, eventBusName, functionName, webhookQueueNames, apiKeysSecretName, redisAuthSecretName, redisEndpointSecretName, secretArnPattern } from '../../config/names';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { EVENTS_TABLE, GEOFENCES_TABLE, TABLES, VEHICLES_TABLE } from '../../config/tables';
import { API_DYNAMODB_ACCESS, DELIVERY_FUNCTION_DYNAMODB_ACCESS, EVENTS_FUNCTION_DYNAMODB_ACCESS, STATUS_FUNCTION_DYNAMODB_ACCESS } from '../../functions/api/permissions';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { bundleFunction } from '../../functions/build/bundle-function';
import { ModuleStack } from '../core/module-stack';
import { NodeFunction } from './node-function';
import { RestApi } from './rest-api';

export interface ApiServicesModuleProps {
  readonly environment: EnvironmentConfig;
}

export type ApiServicesInputs = 'kms_key_arn' | 'subnet_ids' | 'security_group_id';

export type ApiServicesOutputs =
  | 'api_url'
  | 'health_url'
  | 'rest_api_id'
  | 'rest_api_name'
  | 'stage_name'
  | 'api_function_name'
  | 'api_function_arn'
  | 'api_log_group_name'
  | 'access_log_group_name'
  | 'api_key_ids'
  | 'api_keys_secret_arn'
  | 'events_function_name'
  | 'events_function_alias_arn'
  | 'events_dead_letter_queue_arn'
  | 'delivery_function_name'
  | 'delivery_function_alias_arn'
  | 'delivery_dead_letter_queue_arn';

/**
 * module.api_services: the REST API, the Lambda function running the Fastify app, and the events
 * function that derives the event log from the positions table's stream (module.events connects them).
 */
export class ApiServicesModule extends ModuleStack<ApiServicesInputs, ApiServicesOutputs> {
  readonly api: NodeFunction;
  readonly events: NodeFunction;
  readonly status: NodeFunction;
  readonly delivery: NodeFunction;
  readonly restApi: RestApi;

  constructor(props: ApiServicesModuleProps) {
    super('api_services');
    const env = props.environment;
    const text = (name: ApiServicesInputs, description: string) => this.input(name, { type: 'string', description }).stringValue;
    const arn = (name: ApiServicesInputs, description: string) =>
      this.input(name, {
        type: 'string',
        description,
        validation: [{ condition: `can(regex("^arn:aws", var.${name}))`, errorMessage: `${name} must be an ARN.` }],
      }).stringValue;
    const kmsKeyArn = arn('kms_key_arn', 'KMS key (module.security)');
    const subnetIds = this.input('subnet_ids', { type: 'list(string)', description: 'Private subnets for the functions (module.network)' }).listValue;
    const securityGroupId = text('security_group_id', 'Security group of the functions (module.network)');

    // Tables and cache secrets by their deterministic names, never through module.database or
    // module.cache outputs: a function recovery's -target closure then holds no table and no cache.
    const account = new DataAwsCallerIdentity(this, 'current').accountId;
    const region = new DataAwsRegion(this, 'current_region').region;
    const tables = Object.fromEntries(
      TABLES.map((table) => {
        const name = physicalTableName(env, table.key);
        return [table.key, { name, arn: `arn:aws:dynamodb:${region}:${account}:table/${name}` }];
      }),
    ) as Record<TableKey, { name: string; arn: string }>;
    const redisSecrets = [redisAuthSecretName(env.name), redisEndpointSecretName(env.name)];

    const apiKeysSecret = new SecretsmanagerSecret(this, 'api_keys', {
      name: apiKeysSecretName(env.name),
      description: 'Values of the API Gateway keys, as a JSON array; the API re-reads it every minute and on an unknown key',
      kmsKeyId: kmsKeyArn,
      recoveryWindowInDays: 7,
    });

    // Where every function runs and logs: the same for the api, events and status jobs.
    const placement = { environmentName: env.name, logRetentionDays: env.logRetentionDays, kmsKeyArn, vpc: { subnetIds, securityGroupIds: [securityGroupId] } };
    // What every function is told about the data: the environment, its tables and the retention.
    const dataVariables = {
      [RUNTIME_ENV.environment]: env.name,
      [RUNTIME_ENV.vehiclesTable]: tables.vehicles.name,
      [RUNTIME_ENV.positionsTable]: tables.positions.name,
      [RUNTIME_ENV.devicesTable]: tables.devices.name,
      [RUNTIME_ENV.fleetsTable]: tables.fleets.name,
      [RUNTIME_ENV.geofencesTable]: tables.geofences.name,
      [RUNTIME_ENV.eventsTable]: tables.events.name,
      [RUNTIME_ENV.webhooksTable]: tables.webhooks.name,
      [RUNTIME_ENV.positionRetentionDays]: String(env.positionRetentionDays),
    };
    const bundle = bundleFunction('api');
    this.api = new NodeFunction(this, {
      ...placement,
      job: 'api',
      description: 'Vehicle tracking HTTP API (Fastify)',
      bundle,
      zipPath: this.addFile('dist/api.zip', bundle.zip),
      settings: env.functions.api,
      environmentVariables: {
        ...dataVariables,
        // The events function evaluates every stored fix from the table's stream, not the API.
        [RUNTIME_ENV.eventSource]: 'stream',
        [RUNTIME_ENV.offlineAfterMinutes]: String(env.trackers.offlineAfterMinutes),
        [RUNTIME_ENV.nearbyMaxAgeMinutes]: String(env.trackers.nearbyMaxAgeMinutes),
        [RUNTIME_ENV.positionFilterDefaults]: JSON.stringify(env.trackers.positionFilter),
        ...(env.api.corsOrigins.length > 0 && { [RUNTIME_ENV.corsOrigins]: env.api.corsOrigins.join(',') }),
        [RUNTIME_ENV.redisEndpointSecretId]: redisEndpointSecretName(env.name),
        [RUNTIME_ENV.redisAuthSecretId]: redisAuthSecretName(env.name),
        [RUNTIME_ENV.apiKeysSecretId]: apiKeysSecretName(env.name),
      },
      statements: [
        { sid: 'Vehicles', actions: API_DYNAMODB_ACCESS.vehicles, resources: [tables.vehicles.arn] },
        {
          sid: 'VehicleIndexes',
          actions: API_DYNAMODB_ACCESS.vehicleIndexes,
          resources: VEHICLES_TABLE.globalSecondaryIndexes.map((index) => `${tables.vehicles.arn}/index/${index.name}`),
        },
        { sid: 'Positions', actions: API_DYNAMODB_ACCESS.positions, resources: [tables.positions.arn] },
        { sid: 'Devices', actions: API_DYNAMODB_ACCESS.devices, resources: [tables.devices.arn] },
        { sid: 'Fleets', actions: API_DYNAMODB_ACCESS.fleets, resources: [tables.fleets.arn] },
        { sid: 'Geofences', actions: API_DYNAMODB_ACCESS.geofences, resources: [tables.geofences.arn] },
        {
          sid: 'GeofenceIndexes',
          actions: API_DYNAMODB_ACCESS.geofenceIndexes,
          resources: GEOFENCES_TABLE.globalSecondaryIndexes.map((index) => `${tables.geofences.arn}/index/${index.name}`),
        },
        { sid: 'Events', actions: API_DYNAMODB_ACCESS.events, resources: [tables.events.arn] },
        {
          sid: 'EventIndexes',
          actions: API_DYNAMODB_ACCESS.eventIndexes,
          resources: EVENTS_TABLE.globalSecondaryIndexes.map((index) => `${tables.events.arn}/index/${index.name}`),
        },
        { sid: 'Webhooks', actions: API_DYNAMODB_ACCESS.webhooks, resources: [tables.webhooks.arn] },
        {
          sid: 'Secrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [apiKeysSecret.arn, ...redisSecrets.map((name) => secretArnPattern(region, account, name))],
        },
        // Decrypt: secrets, environment variables. GenerateDataKey: sending to the KMS-encrypted DLQ.
        { sid: 'UseTheEnvironmentKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [kmsKeyArn] },
      ],
    });

    const eventsBundle = bundleFunction('events');
    this.events = new NodeFunction(this, {
      ...placement,
      job: 'events',
      description: 'Derives the event log (geofence enter/exit, alarms) from the positions table\'s stream',
      bundle: eventsBundle,
      zipPath: this.addFile('dist/events.zip', eventsBundle.zip),
      settings: env.functions.events,
      environmentVariables: {
        ...dataVariables,
      },
      statements: [
        { sid: 'Vehicles', actions: EVENTS_FUNCTION_DYNAMODB_ACCESS.vehicles, resources: [tables.vehicles.arn] },
        { sid: 'Positions', actions: EVENTS_FUNCTION_DYNAMODB_ACCESS.positions, resources: [tables.positions.arn] },
        // By name: the stream's label is only known once the table exists.
        { sid: 'PositionsStream', actions: EVENTS_FUNCTION_DYNAMODB_ACCESS.positionsStream, resources: [`${tables.positions.arn}/stream/*`] },
        { sid: 'Geofences', actions: EVENTS_FUNCTION_DYNAMODB_ACCESS.geofences, resources: [tables.geofences.arn] },
        { sid: 'Events', actions: EVENTS_FUNCTION_DYNAMODB_ACCESS.events, resources: [tables.events.arn] },
        { sid: 'UseTheEnvironmentKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [kmsKeyArn] },
      ],
    });

    const statusBundle = bundleFunction('status');
    this.status = new NodeFunction(this, {
      ...placement,
      job: 'status',
      description: 'Raises deviceOffline / deviceOnline every minute (the status sweep)',
      bundle: statusBundle,
      zipPath: this.addFile('dist/status.zip', statusBundle.zip),
      settings: env.functions.status,
      environmentVariables: { ...dataVariables, [RUNTIME_ENV.offlineAfterMinutes]: String(env.trackers.offlineAfterMinutes) },
      statements: [
        { sid: 'Vehicles', actions: STATUS_FUNCTION_DYNAMODB_ACCESS.vehicles, resources: [tables.vehicles.arn] },
        { sid: 'Events', actions: STATUS_FUNCTION_DYNAMODB_ACCESS.events, resources: [tables.events.arn] },
        { sid: 'UseTheEnvironmentKey', actions: ['kms:Decrypt'], resources: [kmsKeyArn] },
      ],
    });
    // Outside the VPC: webhook receivers are on the internet (the VPC has no route there), and a
    // function outside cannot reach the VPC's private addresses. Its queues and bus are module.events',
    // found by name so that a release of this function never pulls them into its -target closure.
    const queues = webhookQueueNames(env.name);
    const queueUrl = (name: string) => `https://sqs.${region}.amazonaws.com/${account}/${name}`;
    const queueArn = (name: string) => `arn:aws:sqs:${region}:${account}:${name}`;
    const deliveryBundle = bundleFunction('delivery');
    this.delivery = new NodeFunction(this, {
      environmentName: env.name,
      logRetentionDays: env.logRetentionDays,
      kmsKeyArn,
      job: 'delivery',
      description: 'Publishes the event log\'s changes to the event bus and delivers them to webhooks',
      bundle: deliveryBundle,
      zipPath: this.addFile('dist/delivery.zip', deliveryBundle.zip),
      settings: env.functions.delivery,
      environmentVariables: {
        ...dataVariables,
        [RUNTIME_ENV.eventBusName]: eventBusName(env.name),
        [RUNTIME_ENV.webhookRetryQueueUrl]: queueUrl(queues.retries),
        [RUNTIME_ENV.webhookDeadLetterQueueUrl]: queueUrl(queues.deadLetters),
      },
      statements: [
        { sid: 'Webhooks', actions: DELIVERY_FUNCTION_DYNAMODB_ACCESS.webhooks, resources: [tables.webhooks.arn] },
        { sid: 'EventsStream', actions: DELIVERY_FUNCTION_DYNAMODB_ACCESS.eventsStream, resources: [`${tables.events.arn}/stream/*`] },
        { sid: 'PublishToTheBus', actions: ['events:PutEvents'], resources: [`arn:aws:events:${region}:${account}:event-bus/${eventBusName(env.name)}`] },
        { sid: 'QueueDeliveries', actions: ['sqs:SendMessage'], resources: [queueArn(queues.retries), queueArn(queues.deadLetters)] },
        { sid: 'ReadRetries', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], resources: [queueArn(queues.retries)] },
        { sid: 'UseTheEnvironmentKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [kmsKeyArn] },
      ],
    });

    // Every minute; a missed or failed run is made up by the next (the sweep looks at the state, not the tick).
    const schedule = new CloudwatchEventRule(this, 'status_schedule', {
      name: `${functionName(env.name, 'status')}-every-minute`,
      description: 'Runs the status sweep (deviceOffline / deviceOnline)',
      scheduleExpression: 'rate(1 minute)',
    });
    new CloudwatchEventTarget(this, 'status_schedule_target', { rule: schedule.name, arn: this.status.alias.arn, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 } });
    new LambdaPermission(this, 'status_schedule_permission', {
      statementId: 'AllowTheSchedule',
      action: 'lambda:InvokeFunction',
      functionName: this.status.function.functionName,
      qualifier: this.status.alias.name,
      principal: 'events.amazonaws.com',
      sourceArn: schedule.arn,
    });

    this.restApi = new RestApi(this, { environment: env, handler: this.api, kmsKeyArn, region, account });
    const keysValue = new SecretsmanagerSecretVersion(this, 'api_keys_value', {
      secretId: apiKeysSecret.id,
      secretString: Fn.jsonencode(this.restApi.enabledApiKeys.map((key) => key.value)),
    });
    // One -target for key rotation: every key, its usage plan membership and the secret the API
    // re-reads, without the function or the stage.
    new DataResource(this, 'api_key_set', {
      input: { keys: env.api.apiKeyNames },
      dependsOn: [keysValue, ...this.restApi.usagePlanKeys],
    });

    // Upgrading an environment deployed before vehicle-tracking-account existed: forget its copy of
    // the account-wide API Gateway setting instead of destroying it (provider 6 resets the setting on
    // destroy, which would cut every stage's logging in the account). Its old role is destroyed.
    this.addOverride('removed', [{ from: 'aws_api_gateway_account.rest_api_account', lifecycle: { destroy: false } }]);

    const { stage } = this.restApi;
    this.output('api_url', { value: stage.invokeUrl, description: 'Base URL: https://<id>.execute-api.<region>.amazonaws.com/<env>' });
    this.output('health_url', { value: `${stage.invokeUrl}/health`, description: 'The runbook\'s API health check URL' });
    this.output('rest_api_id', { value: this.restApi.api.id, description: 'REST API id' });
    this.output('rest_api_name', { value: this.restApi.api.name, description: 'REST API name (CloudWatch ApiName dimension)' });
    this.output('stage_name', { value: stage.stageName, description: 'Stage name (= environment)' });
    this.output('api_function_name', { value: this.api.function.functionName, description: 'Name of the API function' });
    this.output('api_function_arn', { value: this.api.function.arn, description: 'ARN of the API function' });
    this.output('api_log_group_name', { value: this.api.logGroup.name, description: 'Log group of the API function' });
    this.output('access_log_group_name', { value: this.restApi.accessLogs.name, description: 'API Gateway access log group' });
    this.output('api_key_ids', { value: this.restApi.apiKeys.map((key) => key.id), description: 'API key ids (values: aws apigateway get-api-key --include-value)' });
    this.output('api_keys_secret_arn', { value: apiKeysSecret.arn, description: 'Secret with the API key values' });
    this.output('events_function_name', { value: this.events.function.functionName, description: 'Name of the events function' });
    this.output('events_function_alias_arn', { value: this.events.alias.arn, description: 'The events function\'s live alias: what the stream invokes' });
    this.output('events_dead_letter_queue_arn', { value: this.events.deadLetterQueue.arn, description: 'Where batches the events function gave up on are recorded' });
    this.output('delivery_function_name', { value: this.delivery.function.functionName, description: 'Name of the delivery function' });
    this.output('delivery_function_alias_arn', { value: this.delivery.alias.arn, description: 'The delivery function\'s live alias: what the stream, the bus and the retry queue invoke' });
    this.output('delivery_dead_letter_queue_arn', { value: this.delivery.deadLetterQueue.arn, description: 'Where stream batches and bus events the delivery function gave up on are recorded' });
  }
}
