import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { LocalBackend, TerraformElement, TerraformOutput, TerraformStack } from 'cdktf';
import type { App } from 'cdktf';
import type { Node } from 'constructs';
import { ACCOUNT_STACK, PROJECT, REQUIRED_TERRAFORM_VERSION, localStatePath, stateBucketName } from '../config/names';
import { assumeRolePolicy, policyDocument } from './core/iam';
import { denyInsecureTransport, makePrivate } from './core/private-bucket';
import { readableLogicalId } from './core/readable-ids';

/** AWS's managed policy for API Gateway's account-wide CloudWatch Logs role (execution and access logs). */
export const APIGATEWAY_LOGS_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export interface AccountStackProps {
  /** The region whose environments this bootstraps; API Gateway's account setting is per region. */
  readonly region: string;
}

/**
 * `vehicle-tracking-account`: what exists once per AWS account and region, not per environment, so
 * that no environment owns it and destroying one never breaks another:
 * - the Terraform state bucket `vehicle-tracking-tfstate-<account>-<region>` (versioned, encrypted,
 *   private, TLS-only, undeletable by Terraform), which every environment's S3 backend uses;
 * - API Gateway's CloudWatch Logs role (`aws_api_gateway_account` is one setting per account and region).
 * Applied once before the first environment; its own state stays local in `.terraform-state/`
 * (help/RUNBOOK.md, First deployment).
 */
export class AccountStack extends TerraformStack {
  constructor(scope: App, props: AccountStackProps) {
    super(scope, ACCOUNT_STACK);
    new AwsProvider(this, 'aws', {
      region: props.region,
      defaultTags: [{ tags: { Project: PROJECT, Environment: 'account', ManagedBy: 'cdktf' } }],
    });
    new LocalBackend(this, { path: localStatePath(ACCOUNT_STACK) });
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
    const account = new DataAwsCallerIdentity(this, 'current').accountId;

    const bucket = new S3Bucket(this, 'state', {
      bucket: stateBucketName(account, props.region),
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    // Versions are how a bad apply's state is rolled back.
    makePrivate(this, 'state', bucket);
    new S3BucketLifecycleConfiguration(this, 'state_lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'keep-old-state-versions-90-days',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'state_policy', {
      bucket: bucket.id,
      policy: policyDocument([
        denyInsecureTransport(bucket),
      ]),
    });

    const role = new IamRole(this, 'apigateway_cloudwatch', {
      name: `${PROJECT}-apigateway-cloudwatch-${props.region}`,
      description: 'API Gateway writes execution and access logs of every stage in this account and region',
      assumeRolePolicy: assumeRolePolicy('apigateway.amazonaws.com'),
    });
    new IamRolePolicyAttachment(this, 'apigateway_cloudwatch_logs', { role: role.name, policyArn: APIGATEWAY_LOGS_POLICY_ARN });
    new ApiGatewayAccount(this, 'apigateway', { cloudwatchRoleArn: role.arn });

    new TerraformOutput(this, 'state_bucket_name', { value: bucket.bucket, description: 'Terraform state bucket of this account and region' });
    new TerraformOutput(this, 'apigateway_cloudwatch_role_arn', { value: role.arn, description: 'API Gateway CloudWatch Logs role' });
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    return readableLogicalId(this, element);
  }
}
