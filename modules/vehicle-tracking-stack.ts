import { Fn, Lazy, LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { App } from 'cdktf';
import type { Node } from 'constructs';
import { EnvironmentConfig, validateEnvironment } from '../config/environments';
import { PROJECT, REQUIRED_TERRAFORM_VERSION, localStatePath, stackName, stateBucketName, stateKey } from '../config/names';
import { SiteSettings, loadSite } from '../config/site';
import { ApiServicesModule } from './api_services';
import { ModuleCall } from './core/module-call';
import type { ModuleStack } from './core/module-stack';
import { ModuleWritingSynthesizer } from './core/module-writing-synthesizer';
import { readableLogicalId } from './core/readable-ids';
import { CacheModule } from './cache';
import { DatabaseModule } from './database';
import { EventsModule } from './events';
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

  readonly site: SiteSettings;

  constructor(scope: App, readonly environment: EnvironmentConfig, site?: SiteSettings) {
    super(scope, stackName(environment.name));
    validateEnvironment(environment);
    this.site = site ?? loadSite(environment.name);
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
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
    const alarmEmails = this.alarmEmailsVariable();

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
    // Tables and cache are found by name, not wired: see ApiServicesModule.
    const apiServices = this.call(new ApiServicesModule({ environment }), {
      kms_key_arn: kms,
      subnet_ids: network.getList('private_subnet_ids'),
      security_group_id: network.get('lambda_security_group_id'),
    });
    // The streams → functions links and the bus: the one place both tables and functions are wired in.
    const events = this.call(new EventsModule({ environment }), {
      positions_stream_arn: database.get('positions_stream_arn'),
      events_function_alias_arn: apiServices.get('events_function_alias_arn'),
      events_dead_letter_queue_arn: apiServices.get('events_dead_letter_queue_arn'),
      events_stream_arn: database.get('events_stream_arn'),
      delivery_function_name: apiServices.get('delivery_function_name'),
      delivery_function_alias_arn: apiServices.get('delivery_function_alias_arn'),
      delivery_dead_letter_queue_arn: apiServices.get('delivery_dead_letter_queue_arn'),
      kms_key_arn: kms,
    });
    const monitoring = this.call(new MonitoringModule({ environment }), {
      kms_key_arn: kms,
      alarm_email_addresses: alarmEmails.listValue,
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
    new TerraformOutput(this, 'api_key_ids', { value: apiServices.getList('api_key_ids'), description: 'API key ids, for aws apigateway update-api-key' });
    this.rootOutput('redis_auth_secret_arn', cache.get('auth_secret_arn'), 'Secret with the Redis AUTH token');
    this.rootOutput('cache_replication_group_id', cache.get('replication_group_id'), 'ElastiCache replication group');
    this.rootOutput('event_bus_name', events.get('event_bus_name'), 'EventBridge bus of the event log\'s changes (help/EVENTS.md)');
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

  /**
   * Remote state in the account's bucket (made by the `vehicle-tracking-account` stack) with S3-native
   * locking; local state only for an environment that allows it, outside `cdktf.out/`.
   */
  private configureBackend(): void {
    const { region, name, stateBackend } = this.environment;
    const account = this.site.awsAccountId;
    if (stateBackend === 's3') {
      const backend = new S3Backend(this, {
        // Without the account id `terraform init` stops and asks for the bucket (awsAccountId in the site file).
        bucket: account ? stateBucketName(account, region) : (undefined as unknown as string),
        key: stateKey(name),
        region,
        encrypt: true,
      });
      backend.addOverride('use_lockfile', true);
    } else {
      new LocalBackend(this, { path: localStatePath(stackName(name)) });
    }
  }

  /**
   * `variable "alarm_email_addresses"`: who gets the alarms. Its default comes from the site file;
   * without one, `terraform plan` stops and names it (and the file to fill in).
   */
  private alarmEmailsVariable(): TerraformVariable {
    const emails = this.site.alarmEmails ?? [];
    const variable = new TerraformVariable(this, 'alarm_email_addresses', {
      type: 'list(string)',
      description: `E-mail addresses subscribed to every alarm of ${stackName(this.environment.name)}. Set alarmEmails in config/site/${this.environment.name}.json.`,
      nullable: false,
      ...(emails.length > 0 ? { default: emails } : {}),
      validation: [
        {
          condition: '${length(var.alarm_email_addresses) > 0 && alltrue([for e in var.alarm_email_addresses : can(regex("^[^@ ]+@[^@ ]+[.][^@ ]+$", e))])}',
          errorMessage: `alarm_email_addresses: at least one e-mail address must receive the alarms of ${stackName(this.environment.name)} (alarmEmails in config/site/${this.environment.name}.json).`,
        },
      ],
    });
    variable.overrideLogicalId('alarm_email_addresses');
    return variable;
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    return readableLogicalId(this, element);
  }
}
