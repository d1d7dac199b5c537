/** Security properties of the whole synthesized output, every environment, every module. */
import { environmentNames } from '../../config/environments';
import { WILDCARD_RESOURCE_ACTIONS } from '../../modules/api_services/node-function';
import { SynthesizedResource, TfJson, allResources, resourcesOfType, synthesizeAll } from '../helpers/synthesized';

interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Principal?: unknown;
}

/** Actions AWS only grants on `*` (no resource-level permissions), and why. */
const WILDCARD_RESOURCE_EXCEPTIONS = new Set<string>([
  // X-Ray trace ingestion has no resource types.
  ...WILDCARD_RESOURCE_ACTIONS.xray,
  // Lambda creates and deletes its VPC network interfaces before their ids exist.
  ...WILDCARD_RESOURCE_ACTIONS.vpc,
]);

const identityPolicies = (environment: string) =>
  [...resourcesOfType(environment, 'aws_iam_role_policy'), ...resourcesOfType(environment, 'aws_iam_policy')].map((r) => ({
    address: r.address,
    statements: JSON.parse(r.config.policy).Statement as PolicyStatement[],
  }));

describe.each(environmentNames())('%s', (environment) => {
  const resources = allResources(environment);
  const ofType = (type: string) => resources.filter((r) => r.type === type);

  test('every IAM role policy names concrete actions', () => {
    for (const { address, statements } of identityPolicies(environment)) {
      for (const statement of statements) {
        for (const action of statement.Action) expect([address, action]).toEqual([address, expect.stringMatching(/^[a-z0-9-]+:[A-Za-z]+$/)]);
      }
    }
  });

  test('every IAM role policy names concrete resources, except the actions AWS grants only on *', () => {
    for (const { address, statements } of identityPolicies(environment)) {
      for (const statement of statements) {
        if (!statement.Resource.includes('*')) continue;
        const unjustified = statement.Action.filter((a) => !WILDCARD_RESOURCE_EXCEPTIONS.has(a));
        expect([address, unjustified]).toEqual([address, []]);
      }
    }
  });

  test('every role is assumable by exactly one AWS service', () => {
    for (const role of ofType('aws_iam_role')) {
      const statements = JSON.parse(role.config.assume_role_policy).Statement;
      expect(statements).toEqual([{ Effect: 'Allow', Principal: { Service: expect.stringMatching(/\.amazonaws\.com$/) }, Action: 'sts:AssumeRole' }]);
    }
  });

  test('every bucket blocks all public access, enforces TLS and is KMS-encrypted', () => {
    const buckets = ofType('aws_s3_bucket');
    expect(buckets.length).toBeGreaterThan(0);
    const bucketRef = (b: SynthesizedResource) => `\${aws_s3_bucket.${b.name}.id}`;
    for (const bucket of buckets) {
      const block = ofType('aws_s3_bucket_public_access_block').find((r) => r.config.bucket === bucketRef(bucket));
      expect(block?.config).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      const encryption = ofType('aws_s3_bucket_server_side_encryption_configuration').find((r) => r.config.bucket === bucketRef(bucket));
      expect(encryption?.config.rule[0].apply_server_side_encryption_by_default).toMatchObject({ sse_algorithm: 'aws:kms', kms_master_key_id: expect.any(String) });
      const policy = ofType('aws_s3_bucket_policy').find((r) => r.config.bucket === bucketRef(bucket));
      const statements = JSON.parse(policy!.config.policy).Statement as (PolicyStatement & { Condition?: TfJson })[];
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } }));
    }
  });

  test('every table, log group, topic, queue, secret and cache is encrypted with the environment key', () => {
    const kms = /^\$\{var\.kms_key_arn\}$|^\$\{aws_kms_key\.main\.arn\}$/;
    const checks: [string, (c: TfJson) => unknown][] = [
      ['aws_dynamodb_table', (c) => c.server_side_encryption.enabled && c.server_side_encryption.kms_key_arn],
      ['aws_cloudwatch_log_group', (c) => c.kms_key_id],
      ['aws_sns_topic', (c) => c.kms_master_key_id],
      ['aws_sqs_queue', (c) => c.kms_master_key_id],
      ['aws_secretsmanager_secret', (c) => c.kms_key_id],
      ['aws_elasticache_replication_group', (c) => c.at_rest_encryption_enabled === 'true' && c.transit_encryption_enabled && c.kms_key_id],
      ['aws_lambda_function', (c) => c.kms_key_arn],
      ['aws_cloudtrail', (c) => c.kms_key_id],
    ];
    for (const [type, keyOf] of checks) {
      const found = ofType(type);
      expect([type, found.length > 0]).toEqual([type, true]);
      for (const r of found) expect([r.address, keyOf(r.config)]).toEqual([r.address, expect.stringMatching(kms)]);
    }
  });

  test('the KMS key rotates', () => {
    for (const key of ofType('aws_kms_key')) expect(key.config.enable_key_rotation).toBe(true);
  });

  test('every log group has a retention', () => {
    for (const group of ofType('aws_cloudwatch_log_group')) expect([group.address, group.config.retention_in_days]).toEqual([group.address, expect.any(Number)]);
  });

  test('subnets use regular availability zones only (no Local or Wavelength Zones)', () => {
    const zones = synthesizeAll().module(environment, 'network').data.aws_availability_zones.available;
    expect(zones.filter).toEqual([{ name: 'opt-in-status', values: ['opt-in-not-required'] }]);
  });

  test('no secret value is written into the configuration', () => {
    for (const version of ofType('aws_secretsmanager_secret_version')) {
      // Generated or AWS-made values only; the endpoint secret holds a URL built from the group's address.
      expect([version.address, version.config.secret_string]).toEqual([version.address, expect.stringMatching(/^(\$\{|rediss:\/\/\$\{aws_elasticache_replication_group\.main\.primary_endpoint_address\}:\d+$)/)]);
    }
    for (const fn of ofType('aws_lambda_function')) {
      for (const [name, value] of Object.entries(fn.config.environment.variables as Record<string, string>)) {
        expect([name, /\$\{[^}]*(token|password|secret_string)/i.test(String(value))]).toEqual([name, false]);
      }
    }
  });
});
