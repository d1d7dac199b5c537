import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn } from 'cdktf';
import type { EnvironmentConfig } from '../../config/environments';
import { resourceName } from '../../config/names';
import { assumeRolePolicy, policyDocument } from '../core/iam';
import { ModuleStack } from '../core/module-stack';

export const REDIS_PORT = 6379;

export interface NetworkModuleProps {
  readonly environment: EnvironmentConfig;
}

export type NetworkInputs = 'kms_key_arn';
export type NetworkOutputs =
  | 'vpc_id'
  | 'private_subnet_ids'
  | 'lambda_security_group_id'
  | 'cache_security_group_id'
  | 'flow_log_group_name';

/**
 * module.network: a VPC over several availability zones with private subnets only (no NAT: nothing
 * here needs the internet). DynamoDB and S3 through gateway endpoints, Secrets Manager through an
 * interface endpoint; Redis reachable only from the Lambda security group; flow logs on.
 */
export class NetworkModule extends ModuleStack<NetworkInputs, NetworkOutputs> {
  constructor(props: NetworkModuleProps) {
    super('network');
    const env = props.environment;
    const name = (component: string) => resourceName(env.name, component);
    const kmsKeyArn = this.input('kms_key_arn', { type: 'string', description: 'KMS key for the flow log group (module.security)' }).stringValue;
    const region = new DataAwsRegion(this, 'current_region').region;
    // Regular zones only: Local and Wavelength Zones (opted in) lack ElastiCache and Lambda VPC support.
    const zones = new DataAwsAvailabilityZones(this, 'available', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });

    const vpc = new Vpc(this, 'main', {
      cidrBlock: env.network.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name('vpc') },
    });
    // The default group allows all traffic between its members; nothing should use it.
    new DefaultSecurityGroup(this, 'default', { vpcId: vpc.id });

    const routeTable = new RouteTable(this, 'private', { vpcId: vpc.id, tags: { Name: name('private') } });
    const subnets = Array.from({ length: env.network.availabilityZones }, (_, i) => {
      const subnet = new Subnet(this, `private_${i}`, {
        vpcId: vpc.id,
        cidrBlock: Fn.cidrsubnet(vpc.cidrBlock, 8, 10 + i),
        availabilityZone: Fn.element(zones.names, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: name(`private-${i}`) },
      });
      new RouteTableAssociation(this, `private_${i}_routes`, { subnetId: subnet.id, routeTableId: routeTable.id });
      return subnet;
    });

    const lambdaGroup = new SecurityGroup(this, 'lambda', {
      name: name('lambda'),
      description: 'Lambda functions: out to Redis and AWS APIs only',
      vpcId: vpc.id,
    });
    const cacheGroup = new SecurityGroup(this, 'cache', {
      name: name('cache'),
      description: 'ElastiCache: Redis from the Lambda functions only',
      vpcId: vpc.id,
    });
    const endpointGroup = new SecurityGroup(this, 'endpoints', {
      name: name('endpoints'),
      description: 'Interface endpoints: HTTPS from the Lambda functions only',
      vpcId: vpc.id,
    });
    new VpcSecurityGroupIngressRule(this, 'cache_from_lambda', {
      securityGroupId: cacheGroup.id,
      referencedSecurityGroupId: lambdaGroup.id,
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      description: 'Redis from Lambda',
    });
    new VpcSecurityGroupEgressRule(this, 'lambda_to_cache', {
      securityGroupId: lambdaGroup.id,
      referencedSecurityGroupId: cacheGroup.id,
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      description: 'Redis',
    });
    new VpcSecurityGroupEgressRule(this, 'lambda_to_aws_https', {
      securityGroupId: lambdaGroup.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS to AWS APIs via the VPC endpoints (there is no internet route)',
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints_from_lambda', {
      securityGroupId: endpointGroup.id,
      referencedSecurityGroupId: lambdaGroup.id,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from Lambda',
    });

    for (const service of ['dynamodb', 's3'] as const) {
      new VpcEndpoint(this, service, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [routeTable.id],
        tags: { Name: name(service) },
      });
    }
    new VpcEndpoint(this, 'secretsmanager', {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${region}.secretsmanager`,
      vpcEndpointType: 'Interface',
      privateDnsEnabled: true,
      subnetIds: subnets.map((s) => s.id),
      securityGroupIds: [endpointGroup.id],
      tags: { Name: name('secretsmanager') },
    });

    const flowLogs = new CloudwatchLogGroup(this, 'flow_logs', {
      name: `/vpc/${name('vpc')}/flow-logs`,
      retentionInDays: env.logRetentionDays,
      kmsKeyId: kmsKeyArn,
    });
    const flowLogRole = new IamRole(this, 'flow_logs_role', {
      name: name('vpc-flow-logs'),
      assumeRolePolicy: assumeRolePolicy('vpc-flow-logs.amazonaws.com'),
    });
    new IamRolePolicy(this, 'flow_logs_policy', {
      name: name('vpc-flow-logs'),
      role: flowLogRole.id,
      policy: policyDocument([
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [flowLogs.arn, `${flowLogs.arn}:*`],
        },
      ]),
    });
    new FlowLog(this, 'vpc', {
      vpcId: vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogs.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 600,
    });

    this.output('vpc_id', { value: vpc.id, description: 'VPC id' });
    this.output('private_subnet_ids', { value: subnets.map((s) => s.id), description: 'Private subnets, one per availability zone' });
    this.output('lambda_security_group_id', { value: lambdaGroup.id, description: 'Security group of the Lambda functions' });
    this.output('cache_security_group_id', { value: cacheGroup.id, description: 'Security group of the cache' });
    this.output('flow_log_group_name', { value: flowLogs.name, description: 'VPC flow log group' });
  }
}
