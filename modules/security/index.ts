import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { EnvironmentConfig } from '../../config/environments';
import { resourceName, stackName } from '../../config/names';
import { policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';

export interface SecurityModuleProps {
  readonly environment: EnvironmentConfig;
}

export type SecurityInputs = 'audit_bucket_name';
export type SecurityOutputs = 'kms_key_arn' | 'kms_key_alias' | 'trail_arn' | 'trail_name';

export function trailName(environment: string): string {
  return resourceName(environment, 'audit');
}

/**
 * module.security: the environment's customer-managed KMS key (rotation on) that every other module
 * encrypts with, and the CloudTrail trail the runbook's breach response reviews.
 */
export class SecurityModule extends ModuleStack<SecurityInputs, SecurityOutputs> {
  constructor(props: SecurityModuleProps) {
    super('security');
    const env = props.environment.name;
    const auditBucket = this.input('audit_bucket_name', {
      type: 'string',
      description: 'S3 bucket receiving CloudTrail logs (module.storage)',
    }).stringValue;
    const account = new DataAwsCallerIdentity(this, 'current').accountId;
    const region = new DataAwsRegion(this, 'current_region').region;
    const trailArn = `arn:aws:cloudtrail:${region}:${account}:trail/${trailName(env)}`;

    const key = new KmsKey(this, 'main', {
      description: `${stackName(env)}: DynamoDB, ElastiCache, S3, Secrets Manager, SNS, SQS, CloudWatch Logs`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument([
        {
          sid: 'AccountAdministersTheKeyThroughIam',
          principal: { AWS: `arn:aws:iam::${account}:root` },
          actions: ['kms:*'],
          resources: ['*'],
        },
        {
          sid: 'CloudWatchLogsEncryptsThisEnvironmentsLogGroups',
          principal: { Service: `logs.${region}.amazonaws.com` },
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          resources: ['*'],
          condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` } },
        },
        {
          sid: 'CloudTrailEncryptsItsLogs',
          principal: { Service: 'cloudtrail.amazonaws.com' },
          actions: ['kms:GenerateDataKey*', 'kms:DescribeKey'],
          resources: ['*'],
          condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          sid: 'TheEventBusDeadLettersToTheEncryptedQueue',
          principal: { Service: 'events.amazonaws.com' },
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
        {
          sid: 'AlarmsAndBudgetsPublishToTheEncryptedTopic',
          principal: { Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] },
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
      ]),
    });
    const alias = new KmsAlias(this, 'main_alias', { name: `alias/${stackName(env)}`, targetKeyId: key.keyId });

    const trail = new Cloudtrail(this, 'audit', {
      name: trailName(env),
      s3BucketName: auditBucket,
      s3KeyPrefix: 'cloudtrail',
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: key.arn,
    });

    this.output('kms_key_arn', { value: key.arn, description: 'ARN of the environment KMS key' });
    this.output('kms_key_alias', { value: alias.name, description: 'Alias of the environment KMS key' });
    this.output('trail_arn', { value: trail.arn, description: 'CloudTrail trail ARN' });
    this.output('trail_name', { value: trail.name, description: 'CloudTrail trail name (runbook: review CloudTrail logs)' });
  }
}
