import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import type { EnvironmentConfig } from '../../config/environments';
import { resourceName } from '../../config/names';
import { policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';
import { denyInsecureTransport, makePrivate } from '../core/private-bucket';
import { trailName } from '../security';

export interface StorageModuleProps {
  readonly environment: EnvironmentConfig;
}

export type StorageInputs = 'kms_key_arn';
export type StorageOutputs = 'audit_bucket_name' | 'audit_bucket_arn';

/**
 * module.storage: the audit bucket (CloudTrail logs, archives): versioned, KMS-encrypted, private,
 * TLS-only, with lifecycle rules to cheaper classes and then expiry ("lifecycle policies for S3").
 */
export class StorageModule extends ModuleStack<StorageInputs, StorageOutputs> {
  constructor(props: StorageModuleProps) {
    super('storage');
    const env = props.environment;
    const kmsKeyArn = this.input('kms_key_arn', { type: 'string', description: 'KMS key for the bucket (module.security)' }).stringValue;
    const account = new DataAwsCallerIdentity(this, 'current').accountId;
    const region = new DataAwsRegion(this, 'current_region').region;

    // Bucket names are global: the account id keeps ours unique.
    const bucket = new S3Bucket(this, 'audit', { bucket: `${resourceName(env.name, 'audit')}-${account}`, forceDestroy: false });
    makePrivate(this, 'audit', bucket, kmsKeyArn);
    const { storage } = env;
    new S3BucketLifecycleConfiguration(this, 'audit_lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'archive-then-expire',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          transition: [
            { days: storage.transitionToInfrequentAccessDays, storageClass: 'STANDARD_IA' },
            { days: storage.transitionToGlacierDays, storageClass: 'GLACIER' },
          ],
          expiration: [{ days: storage.expireAfterDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const trailArn = `arn:aws:cloudtrail:${region}:${account}:trail/${trailName(env.name)}`;
    const policy = new S3BucketPolicy(this, 'audit_policy', {
      bucket: bucket.id,
      policy: policyDocument([
        denyInsecureTransport(bucket),
        {
          sid: 'CloudTrailChecksTheAcl',
          principal: { Service: 'cloudtrail.amazonaws.com' },
          actions: ['s3:GetBucketAcl'],
          resources: [bucket.arn],
          condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          sid: 'CloudTrailWritesLogs',
          principal: { Service: 'cloudtrail.amazonaws.com' },
          actions: ['s3:PutObject'],
          resources: [`${bucket.arn}/cloudtrail/AWSLogs/${account}/*`],
          condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
      ]),
    });

    // Read through the policy, so the trail is created only once CloudTrail may write here.
    this.output('audit_bucket_name', { value: policy.bucket, description: 'Audit log bucket (CloudTrail, archives)' });
    this.output('audit_bucket_arn', { value: bucket.arn, description: 'ARN of the audit log bucket' });
  }
}
