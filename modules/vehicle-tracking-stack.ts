import { Fn, Lazy, LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack } from 'cdktf';
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
import { CacheModule } from './cache';
import { DatabaseModule } from './database';
import { MonitoringModule } from './monitoring';
import { NetworkModule } from './network';
import { SecurityModule } from './security';
import { StorageInputs, StorageModule, StorageOutputs } from './storage';

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

    // Security and storage feed each other (key → bucket encryption, bucket → trail): resolved lazily.
    let storage: ModuleCall<StorageInputs, StorageOutputs> | undefined;
    const security = this.call(new SecurityModule({ environment }), {
      audit_bucket_name: Lazy.stringValue({ produce: () => storage!.get('audit_bucket_name') }),
    });
    storage = this.call(new StorageModule({ environment }), { kms_key_arn: security.get('kms_key_arn') });
    const kms = security.get('kms_key_arn');

    const network = this.call(new NetworkModule({ environment }), { kms_key_arn: kms });
    const database = this.call(new DatabaseModule({ environment }), { kms_key_arn: kms });
    const cache = this.call(new CacheModule({ environment }), {
      kms_key_arn: kms,
      subnet_ids: network.getList('private_subnet_ids'),
      security_group_id: network.get('cache_security_group_id'),
    });
    const apiServices = this.call(new ApiServicesModule({ environment }), {
      vehicles_table_name: database.get('vehicles_table_name'),
      vehicles_table_arn: database.get('vehicles_table_arn'),
      positions_table_name: database.get('positions_table_name'),
      positions_table_arn: database.get('positions_table_arn'),
      devices_table_name: database.get('devices_table_name'),
      devices_table_arn: database.get('devices_table_arn'),
      kms_key_arn: kms,
      subnet_ids: network.getList('private_subnet_ids'),
      security_group_id: network.get('lambda_security_group_id'),
      redis_url: cache.get('redis_url'),
      redis_auth_secret_arn: cache.get('auth_secret_arn'),
    });
    const monitoring = this.call(new MonitoringModule({ environment }), {
      kms_key_arn: kms,
      rest_api_name: apiServices.get('rest_api_name'),
      stage_name: apiServices.get('stage_name'),
      api_function_name: apiServices.get('api_function_name'),
      vehicles_table_name: database.get('vehicles_table_name'),
      positions_table_name: database.get('positions_table_name'),
      devices_table_name: database.get('devices_table_name'),
      cache_replication_group_id: cache.get('replication_group_id'),
    });

    this.rootOutput('api_url', apiServices.get('api_url'), 'Base URL of the API stage');
    this.rootOutput('health_url', apiServices.get('health_url'), 'Runbook: API Health Check');
    this.rootOutput('vehicles_table_name', database.get('vehicles_table_name'), 'Runbook: Database Health');
    this.rootOutput('positions_table_name', database.get('positions_table_name'), 'The position history table');
    this.rootOutput('devices_table_name', database.get('devices_table_name'), 'Tracker device ids (OsmAnd)');
    this.rootOutput('osmand_url', Fn.join('', [apiServices.get('api_url'), '/osmand']), 'Server URL for Traccar Client (OsmAnd protocol)');
    this.rootOutput('api_function_name', apiServices.get('api_function_name'), 'The HTTP API Lambda function');
    this.rootOutput('api_log_group_name', apiServices.get('api_log_group_name'), 'Logs of the API function');
    this.rootOutput('access_log_group_name', apiServices.get('access_log_group_name'), 'API Gateway access logs');
    this.rootOutput('api_keys_secret_arn', apiServices.get('api_keys_secret_arn'), 'Secret with the API key values');
    this.rootOutput('redis_auth_secret_arn', cache.get('auth_secret_arn'), 'Secret with the Redis AUTH token');
    this.rootOutput('cache_replication_group_id', cache.get('replication_group_id'), 'ElastiCache replication group');
    this.rootOutput('alarm_topic_arn', monitoring.get('alarm_topic_arn'), 'SNS topic of every alarm');
    this.rootOutput('dashboard_name', monitoring.get('dashboard_name'), 'CloudWatch dashboard');
    this.rootOutput('trail_name', security.get('trail_name'), 'CloudTrail trail (security incident response)');
    this.rootOutput('audit_bucket_name', storage.get('audit_bucket_name'), 'Audit log bucket');
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
