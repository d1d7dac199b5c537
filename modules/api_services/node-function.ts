import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaProvisionedConcurrencyConfig } from '@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { DataResource, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import type { FunctionSettings } from '../../config/environments';
import { FunctionJob, functionDeadLetterQueueName, functionName, lambdaLogGroupName } from '../../config/names';
import { FunctionBundle, LAMBDA_RUNTIME } from '../../functions/build/bundle-function';
import { Statement, assumeRolePolicy, policyDocument } from '../core/iam';

export const LIVE_ALIAS = 'live';

/** Actions AWS only grants on `*`: X-Ray ingestion and the ENIs Lambda manages in a VPC. */
export const WILDCARD_RESOURCE_ACTIONS = {
  xray: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  vpc: [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
} as const;

export interface NodeFunctionProps {
  readonly environmentName: string;
  readonly job: FunctionJob;
  readonly description: string;
  readonly bundle: FunctionBundle;
  /** Path of the zip as Terraform sees it (`${path.module}/…`). */
  readonly zipPath: string;
  readonly settings: FunctionSettings;
  readonly logRetentionDays: number;
  readonly kmsKeyArn: string;
  /** Private subnets and security groups; none: the function runs outside the VPC (it reaches the internet, not the VPC). */
  readonly vpc?: { readonly subnetIds: string[]; readonly securityGroupIds: string[] };
  readonly environmentVariables: Readonly<Record<string, string>>;
  /** Exactly what the code calls, on exactly what it touches. Logs, X-Ray, VPC and the DLQ are added here. */
  readonly statements: readonly Statement[];
}

/**
 * One Lambda function `vehicle-tracking-<env>-<job>`: its own role, encrypted log group with
 * retention, VPC placement (unless it must reach the internet), X-Ray tracing, a published `live` alias (with provisioned concurrency
 * when configured) and a dead-letter queue for failed asynchronous invocations.
 * Addresses: aws_lambda_function.<job>, aws_iam_role.<job>_role, aws_lambda_alias.<job>_live, …
 */
export class NodeFunction extends Construct {
  readonly job: FunctionJob;
  readonly function: LambdaFunction;
  readonly alias: LambdaAlias;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetterQueue: SqsQueue;
  /** `terraform_data.<job>_release`: the one -target that ships code and settings to traffic. */
  readonly release: DataResource;

  constructor(scope: Construct, props: NodeFunctionProps) {
    super(scope, props.job);
    this.job = props.job;
    const name = functionName(props.environmentName, props.job);

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: lambdaLogGroupName(props.environmentName, props.job),
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.deadLetterQueue = new SqsQueue(this, 'dlq', {
      name: functionDeadLetterQueueName(props.environmentName, props.job),
      kmsMasterKeyId: props.kmsKeyArn,
      messageRetentionSeconds: 14 * 24 * 60 * 60,
    });

    this.role = new IamRole(this, 'role', {
      name: `${name}-role`,
      description: `Execution role of ${name}`,
      assumeRolePolicy: assumeRolePolicy('lambda.amazonaws.com'),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: `${name}-policy`,
      role: this.role.id,
      policy: policyDocument([
        { sid: 'Logs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:*`] },
        { sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.arn] },
        { sid: 'Tracing', actions: [...WILDCARD_RESOURCE_ACTIONS.xray], resources: ['*'] },
        ...(props.vpc ? [{ sid: 'VpcNetworkInterfaces', actions: [...WILDCARD_RESOURCE_ACTIONS.vpc], resources: ['*'] }] : []),
        ...props.statements,
      ]),
    });

    this.function = new LambdaFunction(this, 'Resource', {
      functionName: name,
      description: props.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: props.zipPath,
      sourceCodeHash: props.bundle.sha256,
      memorySize: props.settings.memoryMb,
      timeout: props.settings.timeoutSeconds,
      reservedConcurrentExecutions: props.settings.reservedConcurrency,
      publish: true,
      kmsKeyArn: props.kmsKeyArn,
      environment: { variables: { ...props.environmentVariables } },
      ...(props.vpc && { vpcConfig: { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds } }),
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      // The code never runs without its permissions, and recovering it restores them.
      dependsOn: [this.logGroup, policy],
    });

    this.alias = new LambdaAlias(this, LIVE_ALIAS, {
      name: LIVE_ALIAS,
      description: 'What API Gateway invokes; moves to each published version',
      functionName: this.function.functionName,
      // A rollback pins the alias (functions.<job>.pinnedVersion) so no apply moves it back.
      functionVersion: props.settings.pinnedVersion ?? this.function.version,
    });
    const released: TerraformResource[] = [this.function, this.alias, policy];
    if (props.settings.provisionedConcurrency > 0) {
      const provisioned = new LambdaProvisionedConcurrencyConfig(this, 'provisioned_concurrency', {
        functionName: this.function.functionName,
        qualifier: this.alias.name,
        provisionedConcurrentExecutions: props.settings.provisionedConcurrency,
      });
      released.push(provisioned);
    }
    const asyncFailures = new LambdaFunctionEventInvokeConfig(this, 'async_failures', {
      functionName: this.function.functionName,
      qualifier: this.alias.name,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });
    released.push(asyncFailures);

    // Targeting the function alone publishes a version that serves nothing (API Gateway invokes the
    // alias) and leaves provisioned concurrency on the old one. This resource depends on all of it, so
    // `-target=…terraform_data.<job>_release` is the whole release; its input shows what was released.
    this.release = new DataResource(this, 'release', {
      input: { version: this.alias.functionVersion, memoryMb: props.settings.memoryMb, provisionedConcurrency: props.settings.provisionedConcurrency },
      dependsOn: released,
    });
  }
}
