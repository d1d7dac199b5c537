import { LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { App } from 'cdktf';
import type { Node } from 'constructs';
import type { EnvironmentConfig } from '../config/environments';
import { PROJECT, stackName } from '../config/names';
import { ApiServicesModule } from './api_services';
import { ModuleCall } from './core/module-call';
import type { ModuleStack } from './core/module-stack';
import { ModuleWritingSynthesizer } from './core/module-writing-synthesizer';
import { readableLogicalId } from './core/readable-ids';
import { DatabaseModule } from './database';

/**
 * The root stack `vehicle-tracking-<env>`: configures the aws provider and the backend, and calls
 * each module under its fixed name. Modules talk only through outputs → variables wired here.
 */
export class VehicleTrackingStack extends TerraformStack {
  private readonly calledModules: ModuleStack[] = [];

  constructor(scope: App, readonly environment: EnvironmentConfig) {
    super(scope, stackName(environment.name));
    this.synthesizer = new ModuleWritingSynthesizer(this, this.synthesizer, () => this.calledModules);

    new AwsProvider(this, 'aws', {
      region: environment.region,
      defaultTags: [
        {
          tags: {
            Project: PROJECT,
            Environment: environment.name,
            ManagedBy: 'cdktf',
            CostCenter: environment.costCenter,
          },
        },
      ],
    });
    this.configureBackend();

    const database = this.call(new DatabaseModule({ environment }), {});
    const apiServices = this.call(new ApiServicesModule({ environment }), {
      vehicles_table_name: database.get('vehicles_table_name'),
      vehicles_table_arn: database.get('vehicles_table_arn'),
      positions_table_name: database.get('positions_table_name'),
      positions_table_arn: database.get('positions_table_arn'),
    });

    this.rootOutput('vehicles_table_name', database.get('vehicles_table_name'), 'The vehicles table (runbook: Database Health)');
    this.rootOutput('positions_table_name', database.get('positions_table_name'), 'The position history table');
    this.rootOutput('api_function_name', apiServices.get('api_function_name'), 'The HTTP API Lambda function');
  }

  private call<I extends string, O extends string>(
    module: ModuleStack<I, O>,
    inputs: Readonly<Record<I, unknown>>,
  ): ModuleCall<I, O> {
    this.calledModules.push(module as unknown as ModuleStack);
    return new ModuleCall(this, module, inputs);
  }

  private rootOutput(name: string, value: string, description: string): void {
    new TerraformOutput(this, name, { value, description });
  }

  private configureBackend(): void {
    const { stateBucket, region, name } = this.environment;
    if (stateBucket) {
      const backend = new S3Backend(this, {
        bucket: stateBucket,
        key: `${PROJECT}/${name}/terraform.tfstate`,
        region,
        encrypt: true,
      });
      // S3-native state locking (Terraform >= 1.10); no lock table to manage.
      backend.addOverride('use_lockfile', true);
    } else {
      // Relative, so the synthesized directory works wherever it is copied.
      new LocalBackend(this, { path: 'terraform.tfstate' });
    }
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    return readableLogicalId(this, element);
  }
}
