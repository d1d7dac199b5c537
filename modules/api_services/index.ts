import type { EnvironmentConfig } from '../../config/environments';
import { RUNTIME_ENV } from '../../config/runtime-env';
import { VEHICLES_TABLE } from '../../config/tables';
import { API_DYNAMODB_ACCESS } from '../../functions/api/permissions';
import { bundleFunction } from '../../functions/build/bundle-function';
import { ModuleStack } from '../core/module-stack';
import { NodeFunction } from './node-function';

export interface ApiServicesModuleProps {
  readonly environment: EnvironmentConfig;
}

export type ApiServicesInputs =
  | 'vehicles_table_name'
  | 'vehicles_table_arn'
  | 'positions_table_name'
  | 'positions_table_arn';

export type ApiServicesOutputs = 'api_function_name' | 'api_function_arn' | 'api_log_group_name';

/** module.api_services: the Lambda functions running the Fastify app. */
export class ApiServicesModule extends ModuleStack<ApiServicesInputs, ApiServicesOutputs> {
  readonly api: NodeFunction;

  constructor(props: ApiServicesModuleProps) {
    super('api_services');
    const env = props.environment;
    const arn = (name: ApiServicesInputs) =>
      this.input(name, {
        type: 'string',
        description: `ARN of the ${name.replace(/_table_arn$/, '')} table`,
        validation: [{ condition: `can(regex("^arn:aws", var.${name}))`, errorMessage: `${name} must be an ARN.` }],
      }).stringValue;
    const name = (input: ApiServicesInputs) =>
      this.input(input, { type: 'string', description: `Name of the ${input.replace(/_table_name$/, '')} table` })
        .stringValue;
    const vehiclesTableName = name('vehicles_table_name');
    const vehiclesTableArn = arn('vehicles_table_arn');
    const positionsTableName = name('positions_table_name');
    const positionsTableArn = arn('positions_table_arn');

    const bundle = bundleFunction('api');
    this.api = new NodeFunction(this, {
      environmentName: env.name,
      job: 'api',
      description: 'Vehicle tracking HTTP API (Fastify)',
      bundle,
      zipPath: this.addFile('dist/api.zip', bundle.zip),
      settings: env.functions.api,
      logRetentionDays: env.logRetentionDays,
      environmentVariables: {
        [RUNTIME_ENV.environment]: env.name,
        [RUNTIME_ENV.vehiclesTable]: vehiclesTableName,
        [RUNTIME_ENV.positionsTable]: positionsTableName,
        [RUNTIME_ENV.positionRetentionDays]: String(env.positionRetentionDays),
      },
      statements: [
        { actions: API_DYNAMODB_ACCESS.vehicles, resources: [vehiclesTableArn] },
        {
          actions: API_DYNAMODB_ACCESS.vehicleIndexes,
          resources: VEHICLES_TABLE.globalSecondaryIndexes.map((index) => `${vehiclesTableArn}/index/${index.name}`),
        },
        { actions: API_DYNAMODB_ACCESS.positions, resources: [positionsTableArn] },
      ],
    });

    this.output('api_function_name', { value: this.api.function.functionName, description: 'Name of the API function' });
    this.output('api_function_arn', { value: this.api.function.arn, description: 'ARN of the API function' });
    this.output('api_log_group_name', { value: this.api.logGroup.name, description: 'Log group of the API function' });
  }
}
