/**
 * What a fresh account needs before the first apply, and state that survives: the account bootstrap
 * stack, site values that are inputs (never placeholders), remote state where required, local state
 * outside cdktf.out/, and `npm run preflight`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { ENVIRONMENTS, getEnvironment } from '../../config/environments';
import { ACCOUNT_STACK, stackName, stateBucketName } from '../../config/names';
import { SiteSettings, loadSite } from '../../config/site';
import { synthesize } from '../../main';
import { APIGATEWAY_LOGS_POLICY_ARN } from '../../modules/account-stack';
import { VehicleTrackingStack } from '../../modules/vehicle-tracking-stack';
import { renderForEnvironment } from '../../scripts/render-runbook';
import { preflightChecks } from '../../scripts/preflight/checks';
import { synthesizeAll } from '../helpers/synthesized';

const REPO = path.resolve(__dirname, '..', '..');
const SITE: SiteSettings = {
  awsAccountId: '210987654321',
  alarmEmails: ['fleet-oncall@fleet.test', 'platform@fleet.test'],
  contacts: { onCall: '+31 20 555 0100 (PagerDuty fleet-platform)', escalation: 'platform-team@fleet.test', awsSupport: 'Enterprise Support, severity Production system down' },
};
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function synthesizeWithSite(environment: string, site: SiteSettings) {
  const outdir = tmp('vt-site-');
  const app = new App({ outdir });
  new VehicleTrackingStack(app, getEnvironment(environment), site);
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stackName(environment), 'cdk.tf.json'), 'utf8'));
}

describe('the account bootstrap stack', () => {
  const account = synthesizeAll().account();

  test('creates the account-unique, versioned, private, TLS-only state bucket that Terraform refuses to delete', () => {
    const bucket = account.resource.aws_s3_bucket.state;
    expect(bucket.bucket).toBe(stateBucketName('${data.aws_caller_identity.current.account_id}', 'us-east-1'));
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(account.resource.aws_s3_bucket_versioning.state_versioning.versioning_configuration.status).toBe('Enabled');
    expect(account.resource.aws_s3_bucket_public_access_block.state_public_access).toMatchObject({ block_public_acls: true, restrict_public_buckets: true });
    expect(account.resource.aws_s3_bucket_policy.state_policy.policy).toContain('aws:SecureTransport');
  });

  test('owns API Gateway\'s account-wide logging role, with the managed policy that lets execution logs be written', () => {
    expect(account.resource.aws_iam_role_policy_attachment.apigateway_cloudwatch_logs.policy_arn).toBe(APIGATEWAY_LOGS_POLICY_ARN);
    expect(account.resource.aws_api_gateway_account.apigateway.cloudwatch_role_arn).toBe('${aws_iam_role.apigateway_cloudwatch.arn}');
    for (const env of Object.keys(ENVIRONMENTS)) {
      expect(synthesizeAll().resources(env, 'api_services', 'aws_api_gateway_account')).toEqual({});
      expect(synthesizeAll().resources(env, 'api_services', 'aws_api_gateway_method_settings').rest_api_all_methods.settings.logging_level).toBe('ERROR');
    }
  });

  test('an environment deployed before it forgets its copy of the account setting instead of resetting it', () => {
    for (const env of Object.keys(ENVIRONMENTS)) {
      expect(synthesizeAll().module(env, 'api_services').removed).toEqual([{ from: 'aws_api_gateway_account.rest_api_account', lifecycle: { destroy: false } }]);
    }
  });

  test('keeps its own state outside cdktf.out/ and needs Terraform >= 1.10', () => {
    expect(account.terraform.backend.local.path).toBe(`../../../.terraform-state/${ACCOUNT_STACK}/terraform.tfstate`);
    expect(account.terraform.required_version).toBe('>= 1.10.0');
  });
});

describe('Terraform state', () => {
  test('an s3 environment keeps its state in the account bucket with locking; a local one stays local whatever the site file says', () => {
    for (const env of Object.keys(ENVIRONMENTS)) {
      if (getEnvironment(env).stateBackend === 'local') {
        expect(synthesizeWithSite(env, SITE).terraform.backend).toEqual({ local: { path: `../../../.terraform-state/vehicle-tracking-${env}/terraform.tfstate` } });
        continue;
      }
      expect(synthesizeWithSite(env, SITE).terraform.backend.s3).toEqual({
        bucket: 'vehicle-tracking-tfstate-210987654321-us-east-1',
        key: `vehicle-tracking/${env}/terraform.tfstate`,
        region: 'us-east-1',
        encrypt: true,
        use_lockfile: true,
      });
    }
  });

  test('local state survives any synth: it lives in .terraform-state/, which synth never writes', () => {
    const repo = tmp('vt-repo-');
    const outdir = path.join(repo, 'cdktf.out');
    synthesize(['test-70v', 'prod'], outdir);
    const stackDir = path.join(outdir, 'stacks', stackName('test-70v'));
    const backend = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')).terraform.backend.local.path;
    const statePath = path.resolve(stackDir, backend);
    expect(statePath).toBe(path.join(repo, '.terraform-state', stackName('test-70v'), 'terraform.tfstate'));
    fs.mkdirSync(path.dirname(statePath), { recursive: true });
    fs.writeFileSync(statePath, '{"version":4,"serial":7}');
    synthesize(['prod'], outdir); // another environment
    fs.rmSync(outdir, { recursive: true }); // what `cdktf synth` does to its output directory
    synthesize(['test-70v'], outdir);
    expect(fs.readFileSync(statePath, 'utf8')).toBe('{"version":4,"serial":7}');
  });
});

describe('site values are inputs, not placeholders', () => {
  test('the site file is validated: placeholders and malformed values are refused with the file named', () => {
    const dir = tmp('vt-sitefile-');
    fs.writeFileSync(path.join(dir, 'prod.json'), JSON.stringify({ awsAccountId: '1234', alarmEmails: ['oncall@example.com'], contacts: { onCall: '+1-XXX-XXX-XXXX' } }));
    expect(() => loadSite('prod', { VT_SITE_DIR: dir })).toThrow(/prod\.json is invalid:\n- awsAccountId must be the 12-digit account id\n- alarmEmails: "oncall@example.com" is not a real e-mail address\n- contacts.onCall/);
    fs.writeFileSync(path.join(dir, 'prod.json'), JSON.stringify(SITE));
    expect(loadSite('prod', { VT_SITE_DIR: dir })).toEqual(SITE);
    expect(loadSite('test-70v', { VT_SITE_DIR: dir })).toEqual({});
  });

  test('the alarm recipients become the root variable\'s default', () => {
    expect(synthesizeWithSite('prod', SITE).variable.alarm_email_addresses.default).toEqual(SITE.alarmEmails);
    expect(synthesizeWithSite('prod', {}).variable.alarm_email_addresses.default).toBeUndefined();
  });

  test('the rendered runbook shows the real contacts and recipients; without a site file it names what to fill in', () => {
    const runbook = fs.readFileSync(path.join(REPO, 'help', 'RUNBOOK.md'), 'utf8');
    const withSite = renderForEnvironment(runbook, getEnvironment('prod'), SITE);
    expect(withSite).toContain('**On-call Engineer**: +31 20 555 0100 (PagerDuty fleet-platform)');
    expect(withSite).toContain('which e-mails fleet-oncall@fleet.test, platform@fleet.test.');
    const without = renderForEnvironment(runbook, getEnvironment('prod'), {});
    expect(without).toContain('**On-call Engineer**: **not set**: add `contacts.onCall` to `config/site/prod.json`');
    for (const rendered of [withSite, without]) expect(rendered).not.toMatch(/X{3}|company\.com|example\.com|<site:|<value:|<env>/);
  });

  const terraformOnPath = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
  (terraformOnPath ? test : test.skip)('terraform plan without alarm recipients stops and names the setting (offline: the root variables alone)', () => {
    const dir = tmp('vt-plan-');
    const root = synthesizeAll().root('prod');
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ variable: root.variable, terraform: { required_version: root.terraform.required_version } }));
    const env = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
    const tf = (...args: string[]) => spawnSync('terraform', [...args, '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    expect(tf('init', '-backend=false').status).toBe(0);
    const missing = tf('plan');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('"alarm_email_addresses" is not set');
    const empty = tf('plan', '-var', 'alarm_email_addresses=[]');
    expect(empty.status).not.toBe(0);
    expect(empty.stderr.replace(/\s+/g, ' ')).toContain('at least one e-mail address must receive the alarms of vehicle-tracking-prod (alarmEmails in config/site/prod.json)');
    expect(tf('plan', '-var', 'alarm_email_addresses=["fleet-oncall@fleet.test"]').status).toBe(0);
  });
});

describe('npm run preflight', () => {
  const prod = getEnvironment('prod');

  test('lists, for a fresh account, each precondition with the read-only AWS command that checks it', () => {
    const output = execFileSync('npx', ['tsx', 'scripts/preflight.ts', 'prod'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, VT_SITE_DIR: tmp('vt-nosite-') } });
    expect(output).toContain('[✗] config/site/prod.json names at least one alarm e-mail');
    expect(output).toContain('the account\'s unreserved Lambda concurrency is at least 600 (reserved 500 + 100 AWS keeps unreserved');
    expect(output).toContain('$ aws lambda get-account-settings --query AccountLimit.UnreservedConcurrentExecutions --output text --region us-east-1');
    expect(output).toContain("$ aws ce list-cost-allocation-tags --tag-keys Project Environment CostCenter --query 'CostAllocationTags[].[TagKey,Status]' --output text");
    expect(output).toContain('$ aws apigateway get-account --query cloudwatchRoleArn --output text --region us-east-1');
    for (const command of output.match(/^\s+\$ aws .*$/gm) ?? []) expect(command).toMatch(/ (get|list|describe|head)-|get-caller-identity/); // read-only
  });

  test('--check runs them and reports each verdict; only the phases reached fail the run (AWS CLI stood in by a script on PATH)', () => {
    const bin = tmp('vt-awscli-');
    fs.writeFileSync(
      path.join(bin, 'aws'),
      [
        '#!/bin/sh',
        'case "$1 $2" in',
        '  "sts get-caller-identity") echo 210987654321 ;;',
        '  "s3api get-bucket-versioning") echo Enabled ;;',
        '  "apigateway get-account") echo None ;;',
        '  "lambda get-account-settings") echo 900 ;;',
        '  "ce list-cost-allocation-tags") printf "Project\\tActive\\nEnvironment\\tActive\\nCostCenter\\tInactive\\n" ;;',
        '  "sns list-subscriptions-by-topic") printf "fleet-oncall@fleet.test\\tarn:aws:sns:us-east-1:210987654321:vehicle-tracking-prod-alarms:1\\nplatform@fleet.test\\tPendingConfirmation\\n" ;;',
        '  *) echo "unexpected: $*" >&2; exit 2 ;;',
        'esac',
      ].join('\n'),
      { mode: 0o755 },
    );
    const site = tmp('vt-site-');
    fs.writeFileSync(path.join(site, 'prod.json'), JSON.stringify(SITE));
    const preflight = (...args: string[]) =>
      spawnSync('npx', ['tsx', 'scripts/preflight.ts', 'prod', '--check', ...args], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, VT_SITE_DIR: site, PATH: `${bin}:${process.env.PATH}` },
      });
    // Before any apply, the account's role and the subscriptions cannot exist yet: reported, not failed.
    const before = preflight();
    expect(before.status).toBe(0);
    expect(before.stdout).toContain('[–] API Gateway has its account-wide CloudWatch Logs role');
    expect(before.stdout).toContain('Ready for the next step. 3 later check(s) not passing yet');
    const result = preflight('--phase', 'after');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('[✓] the AWS credentials in use belong to the site\'s account: 210987654321');
    expect(result.stdout).toContain('[✓] the state bucket vehicle-tracking-tfstate-210987654321-us-east-1 exists');
    expect(result.stdout).toContain('[✗] API Gateway has its account-wide CloudWatch Logs role in us-east-1 (from vehicle-tracking-account): no role set');
    expect(result.stdout).toContain('[✓] the account\'s unreserved Lambda concurrency is at least 600');
    expect(result.stdout).toContain('activate CostCenter');
    expect(result.stdout).toContain('not confirmed: platform@fleet.test');
    expect(result.stdout).toContain('3 check(s) failed.');
  });

  test('a quota below reserved + 100 is a failure that says what to do', () => {
    const quota = preflightChecks(prod, SITE).find((c) => c.id === 'lambda-concurrency-quota')!;
    expect(quota.judge('550\n')).toEqual({ ok: false, detail: expect.stringContaining('request a higher quota') });
    expect(quota.judge('600\n').ok).toBe(true);
  });
});
