import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { Construct } from 'constructs';
import type { Statement } from './iam';

/**
 * What every bucket here gets: no public access, ACLs off, versioning, default encryption (with the
 * given KMS key, else S3-managed). Addresses: `<id>_public_access`, `_ownership`, `_versioning`, `_encryption`.
 */
export function makePrivate(scope: Construct, id: string, bucket: S3Bucket, kmsKeyArn?: string): void {
  new S3BucketPublicAccessBlock(scope, `${id}_public_access`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, `${id}_ownership`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  new S3BucketVersioningA(scope, `${id}_versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${id}_encryption`, {
    bucket: bucket.id,
    rule: [
      {
        applyServerSideEncryptionByDefault: kmsKeyArn ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn } : { sseAlgorithm: 'AES256' },
        bucketKeyEnabled: true,
      },
    ],
  });
}

/** The bucket-policy statement every bucket here starts with: requests without TLS are refused. */
export function denyInsecureTransport(bucket: S3Bucket): Statement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    principal: '*',
    actions: ['s3:*'],
    resources: [bucket.arn, `${bucket.arn}/*`],
    condition: { Bool: { 'aws:SecureTransport': false } },
  };
}
