import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { Construct } from 'constructs';
import type { FunctionSettings } from '../../config/environments';
import { FunctionJob, functionName, lambdaLogGroupName } from '../../config/names';
import { FunctionBundle, LAMBDA_RUNTIME } from '../../functions/build/bundle-function';

export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface NodeFunctionProps {
  readonly environmentName: string;
  readonly job: FunctionJob;
  readonly description: string;
  readonly bundle: FunctionBundle;
  /** Path of the zip as Terraform sees it (`${path.module}/…`). */
  readonly zipPath: string;
  readonly settings: FunctionSettings;
  readonly logRetentionDays: number;
  readonly environmentVariables: Readonly<Record<string, string>>;
  /** Exactly what the code calls, on exactly what it touches. Logging is added here. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * One Lambda function `vehicle-tracking-<env>-<job>` with its own role and log group.
 * Addresses: aws_lambda_function.<job>, aws_iam_role.<job>_role, aws_iam_role_policy.<job>_policy,
 * aws_cloudwatch_log_group.<job>_logs.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, props: NodeFunctionProps) {
    super(scope, props.job);
    const name = functionName(props.environmentName, props.job);

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: lambdaLogGroupName(props.environmentName, props.job),
      retentionInDays: props.logRetentionDays,
    });

    this.role = new IamRole(this, 'role', {
      name: `${name}-role`,
      description: `Execution role of ${name}`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });

    const statements: PolicyStatement[] = [
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:*`] },
      ...props.statements,
    ];
    new IamRolePolicy(this, 'policy', {
      name: `${name}-policy`,
      role: this.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: statements.map((s) => ({ Effect: 'Allow', Action: [...s.actions], Resource: [...s.resources] })),
      }),
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
      environment: { variables: { ...props.environmentVariables } },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      dependsOn: [this.logGroup],
    });
  }
}
