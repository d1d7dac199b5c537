import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn } from 'cdktf';
import type { EnvironmentConfig } from '../../config/environments';
import { resourceName } from '../../config/names';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { VEHICLES_TABLE } from '../../config/tables';
import { API_DYNAMODB_ACCESS } from '../../functions/api/permissions';
import { bundleFunction } from '../../functions/build/bundle-function';
import { ModuleStack } from '../core/module-stack';
import { NodeFunction } from './node-function';
import { RestApi } from './rest-api';

export interface ApiServicesModuleProps {
  readonly environment: EnvironmentConfig;
}

export type ApiServicesInputs =
  | 'vehicles_table_name'
  | 'vehicles_table_arn'
  | 'positions_table_name'
  | 'positions_table_arn'
  | 'devices_table_name'
  | 'devices_table_arn'
  | 'kms_key_arn'
  | 'subnet_ids'
  | 'security_group_id'
  | 'redis_url'
  | 'redis_auth_secret_arn';

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
  | 'api_keys_secret_arn';

/** module.api_services: the REST API and the Lambda function running the Fastify app. */
export class ApiServicesModule extends ModuleStack<ApiServicesInputs, ApiServicesOutputs> {
  readonly api: NodeFunction;
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
    const vehiclesTableName = text('vehicles_table_name', 'Name of the vehicles table (module.database)');
    const vehiclesTableArn = arn('vehicles_table_arn', 'ARN of the vehicles table (module.database)');
    const positionsTableName = text('positions_table_name', 'Name of the position history table (module.database)');
    const positionsTableArn = arn('positions_table_arn', 'ARN of the position history table (module.database)');
    const devicesTableName = text('devices_table_name', 'Name of the devices table (module.database)');
    const devicesTableArn = arn('devices_table_arn', 'ARN of the devices table (module.database)');
    const kmsKeyArn = arn('kms_key_arn', 'KMS key (module.security)');
    const subnetIds = this.input('subnet_ids', { type: 'list(string)', description: 'Private subnets for the functions (module.network)' }).listValue;
    const securityGroupId = text('security_group_id', 'Security group of the functions (module.network)');
    const redisUrl = text('redis_url', 'rediss:// URL of the cache, without credentials (module.cache)');
    const redisAuthSecretArn = arn('redis_auth_secret_arn', 'Secret holding the Redis AUTH token (module.cache)');

    const apiKeysSecret = new SecretsmanagerSecret(this, 'api_keys', {
      name: resourceName(env.name, 'api-keys'),
      description: 'Values of the API Gateway keys, as a JSON array; the API checks them too',
      kmsKeyId: kmsKeyArn,
      recoveryWindowInDays: 7,
    });

    const bundle = bundleFunction('api');
    this.api = new NodeFunction(this, {
      environmentName: env.name,
      job: 'api',
      description: 'Vehicle tracking HTTP API (Fastify)',
      bundle,
      zipPath: this.addFile('dist/api.zip', bundle.zip),
      settings: env.functions.api,
      logRetentionDays: env.logRetentionDays,
      kmsKeyArn,
      subnetIds,
      securityGroupIds: [securityGroupId],
      environmentVariables: {
        [RUNTIME_ENV.environment]: env.name,
        [RUNTIME_ENV.vehiclesTable]: vehiclesTableName,
        [RUNTIME_ENV.positionsTable]: positionsTableName,
        [RUNTIME_ENV.devicesTable]: devicesTableName,
        [RUNTIME_ENV.positionRetentionDays]: String(env.positionRetentionDays),
        [RUNTIME_ENV.redisUrl]: redisUrl,
        [RUNTIME_ENV.redisAuthSecretArn]: redisAuthSecretArn,
        [RUNTIME_ENV.apiKeysSecretArn]: apiKeysSecret.arn,
      },
      statements: [
        { sid: 'Vehicles', actions: API_DYNAMODB_ACCESS.vehicles, resources: [vehiclesTableArn] },
        {
          sid: 'VehicleIndexes',
          actions: API_DYNAMODB_ACCESS.vehicleIndexes,
          resources: VEHICLES_TABLE.globalSecondaryIndexes.map((index) => `${vehiclesTableArn}/index/${index.name}`),
        },
        { sid: 'Positions', actions: API_DYNAMODB_ACCESS.positions, resources: [positionsTableArn] },
        { sid: 'Devices', actions: API_DYNAMODB_ACCESS.devices, resources: [devicesTableArn] },
        { sid: 'Secrets', actions: ['secretsmanager:GetSecretValue'], resources: [redisAuthSecretArn, apiKeysSecret.arn] },
        { sid: 'DecryptWithTheEnvironmentKey', actions: ['kms:Decrypt'], resources: [kmsKeyArn] },
      ],
    });

    this.restApi = new RestApi(this, { environment: env, handler: this.api, kmsKeyArn });
    new SecretsmanagerSecretVersion(this, 'api_keys_value', {
      secretId: apiKeysSecret.id,
      secretString: Fn.jsonencode(this.restApi.apiKeys.map((key) => key.value)),
    });

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
  }
}
