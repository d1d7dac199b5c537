import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsSecretsmanagerRandomPassword } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { EnvironmentConfig } from '../../config/environments';
import { redisAuthSecretName, redisEndpointSecretName, resourceName } from '../../config/names';
import { CACHE_SNAPSHOT_WINDOW, MAINTENANCE_WINDOW } from '../../config/operations';
import { ModuleStack } from '../core/module-stack';
import { REDIS_PORT } from '../network';

export interface CacheModuleProps {
  readonly environment: EnvironmentConfig;
}

export type CacheInputs = 'kms_key_arn' | 'subnet_ids' | 'security_group_id';
export type CacheOutputs = 'redis_url' | 'auth_secret_arn' | 'endpoint_secret_arn' | 'replication_group_id';

export const CACHE_ENGINE = { engine: 'redis', version: '7.1', parameterFamily: 'redis7' } as const;

export function replicationGroupId(environment: string): string {
  return resourceName(environment, 'cache');
}

/** Suffixes of the node ids of a replication group without cluster mode: `<group>-001`, `-002`, … */
export function cacheNodeSuffixes(environment: EnvironmentConfig): string[] {
  return Array.from({ length: 1 + environment.cache.replicas }, (_, i) => String(i + 1).padStart(3, '0'));
}

/**
 * Name of the snapshot ElastiCache takes when Terraform deletes the group (a restore replaces it):
 * stamped with the minute the group was planned, and then frozen (ignore_changes), so every group
 * incarnation has its own and two replacements never collide on one name.
 */
export function finalSnapshotName(environment: string): string {
  return `${replicationGroupId(environment)}-final-\${formatdate("YYYYMMDDhhmm", plantimestamp())}`;
}

/**
 * module.cache: ElastiCache for Redis OSS 7 (the app uses ioredis) in the private subnets:
 * node type and replicas from config, multi-AZ failover with replicas, encryption at rest and in
 * transit, an AUTH token that lives only in Secrets Manager, daily snapshots outside the
 * maintenance window, engine and slow logs to CloudWatch.
 */
export class CacheModule extends ModuleStack<CacheInputs, CacheOutputs> {
  constructor(props: CacheModuleProps) {
    super('cache');
    const env = props.environment;
    const name = (component: string) => resourceName(env.name, component);
    const kmsKeyArn = this.input('kms_key_arn', { type: 'string', description: 'KMS key (module.security)' }).stringValue;
    const subnetIds = this.input('subnet_ids', { type: 'list(string)', description: 'Private subnets (module.network)' }).listValue;
    const securityGroupId = this.input('security_group_id', { type: 'string', description: 'Cache security group (module.network)' }).stringValue;

    // Generated once: the secret version keeps it; replace that resource to rotate (see help/RUNBOOK.md).
    const generated = new DataAwsSecretsmanagerRandomPassword(this, 'auth_token_candidate', {
      passwordLength: 64,
      excludePunctuation: true,
    });
    const secret = new SecretsmanagerSecret(this, 'auth_token', {
      name: redisAuthSecretName(env.name),
      description: 'AUTH token of the Redis cache; the API re-reads it every minute and on an AUTH failure',
      kmsKeyId: kmsKeyArn,
      recoveryWindowInDays: 7,
    });
    const version = new SecretsmanagerSecretVersion(this, 'auth_token_value', {
      secretId: secret.id,
      secretString: generated.randomPassword,
      lifecycle: { ignoreChanges: ['secret_string'] },
    });

    const subnetGroup = new ElasticacheSubnetGroup(this, 'private', { name: name('cache'), subnetIds });
    const logs = (['slow', 'engine'] as const).map(
      (kind) =>
        [
          kind,
          new CloudwatchLogGroup(this, `${kind}_log`, {
            name: `/aws/elasticache/${replicationGroupId(env.name)}/${kind}-log`,
            retentionInDays: env.logRetentionDays,
            kmsKeyId: kmsKeyArn,
          }),
        ] as const,
    );
    const replicated = env.cache.replicas > 0;
    const group = new ElasticacheReplicationGroup(this, 'main', {
      replicationGroupId: replicationGroupId(env.name),
      description: `${name('cache')}: latest positions (write-through accelerator)`,
      engine: CACHE_ENGINE.engine,
      engineVersion: CACHE_ENGINE.version,
      nodeType: env.cache.nodeType,
      numCacheClusters: 1 + env.cache.replicas,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      port: REDIS_PORT,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [securityGroupId],
      atRestEncryptionEnabled: 'true',
      kmsKeyId: kmsKeyArn,
      transitEncryptionEnabled: true,
      authToken: version.secretString,
      authTokenUpdateStrategy: 'ROTATE',
      maintenanceWindow: MAINTENANCE_WINDOW,
      snapshotWindow: CACHE_SNAPSHOT_WINDOW,
      snapshotRetentionLimit: env.cache.snapshotRetentionDays,
      snapshotName: env.cache.restoreFromSnapshot,
      // Replacing or deleting the group deletes its automatic snapshots; this keeps its data.
      finalSnapshotIdentifier: finalSnapshotName(env.name),
      // The seed snapshot matters only when the group is created: a restore replaces the group with
      // -replace (help/RUNBOOK.md), so setting or clearing restoreFromSnapshot never replaces it by itself.
      lifecycle: { ignoreChanges: ['final_snapshot_identifier', 'snapshot_name'] },
      autoMinorVersionUpgrade: 'true',
      applyImmediately: false,
      logDeliveryConfiguration: logs.map(([kind, group]) => ({
        destination: group.name,
        destinationType: 'cloudwatch-logs',
        logFormat: 'json',
        logType: `${kind}-log`,
      })),
    });

    // The API finds the endpoint here at run time, by name, so its function never depends on the
    // replication group: a Lambda recovery cannot touch the cache (help/ARCHITECTURE.md).
    const endpointSecret = new SecretsmanagerSecret(this, 'endpoint', {
      name: redisEndpointSecretName(env.name),
      description: 'rediss:// URL of the cache primary endpoint (no credentials); read by the API',
      kmsKeyId: kmsKeyArn,
      recoveryWindowInDays: 7,
    });
    new SecretsmanagerSecretVersion(this, 'endpoint_value', {
      secretId: endpointSecret.id,
      secretString: `rediss://${group.primaryEndpointAddress}:${REDIS_PORT}`,
    });

    this.output('redis_url', {
      value: `rediss://${group.primaryEndpointAddress}:${REDIS_PORT}`,
      description: 'TLS URL of the primary endpoint (no credentials)',
    });
    this.output('auth_secret_arn', { value: secret.arn, description: 'Secrets Manager secret holding the AUTH token' });
    this.output('endpoint_secret_arn', { value: endpointSecret.arn, description: 'Secrets Manager secret holding the rediss:// URL' });
    this.output('replication_group_id', { value: group.replicationGroupId, description: 'Replication group id' });
  }
}
