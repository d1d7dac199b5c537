import type { EnvironmentConfig } from '../../config/environments';
import { ACCOUNT_STACK, REQUIRED_TERRAFORM_VERSION, resourceName, stateBucketName } from '../../config/names';
import type { SiteSettings } from '../../config/site';

/** AWS keeps this much concurrency unreserved in every account: a reservation may not eat into it. */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;
/** The tags the cost filter and the budget select on (Cost Management in the runbook). */
export const COST_ALLOCATION_TAGS = ['Project', 'Environment', 'CostCenter'] as const;

export type Verdict = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly detail: string };

/** When a check can first pass: before anything, after the account stack, after the environment's first apply. */
export const PHASES = ['before', 'account', 'after'] as const;
export type Phase = (typeof PHASES)[number];
export const PHASE_TITLES: Record<Phase, string> = {
  before: 'Before any apply',
  account: 'After applying vehicle-tracking-account (before the environment)',
  after: 'After the environment\'s first apply',
};

/** One thing that must hold before the first apply, with the read-only command that checks it. */
export interface PreflightCheck {
  readonly id: string;
  readonly phase: Phase;
  readonly what: string;
  /** The command, as argv; absent when the check needs no AWS (a site file value). */
  readonly command?: readonly string[];
  /** Judges the command's stdout (or, without a command, the site settings alone). */
  readonly judge: (stdout: string) => Verdict;
}

const ok = (detail: string): Verdict => ({ ok: true, detail });
const fail = (detail: string): Verdict => ({ ok: false, detail });

/** Quotes argv for a POSIX shell, as the operator would type it. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => v.replace(/^[^\d]*/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** What must hold for `environment` in a fresh account before `terraform apply`, in the order to fix it. */
export function preflightChecks(environment: EnvironmentConfig, site: SiteSettings): PreflightCheck[] {
  const env = environment.name;
  const region = ['--region', environment.region];
  const account = site.awsAccountId;
  const siteFile = `config/site/${env}.json`;
  const checks: PreflightCheck[] = [
    {
      id: 'site-alarm-emails', phase: 'before',
      what: `${siteFile} names at least one alarm e-mail (alarmEmails)`,
      judge: () => (site.alarmEmails?.length ? ok(site.alarmEmails.join(', ')) : fail(`add "alarmEmails": ["…"] to ${siteFile}; a plan stops without it`)),
    },
    {
      id: 'site-contacts', phase: 'before',
      what: `${siteFile} names the on-call, escalation and AWS Support contacts the runbook shows`,
      judge: () => {
        const missing = (['onCall', 'escalation', 'awsSupport'] as const).filter((key) => !site.contacts?.[key]);
        return missing.length === 0 ? ok('all set') : fail(`add contacts.${missing.join(', contacts.')} to ${siteFile}`);
      },
    },
    {
      id: 'site-account', phase: 'before',
      what: `${siteFile} names the AWS account (awsAccountId), which names the state bucket`,
      judge: () =>
        account ? ok(account) : environment.stateBackend === 's3' ? fail(`add "awsAccountId" to ${siteFile}: ${env} keeps its state in S3`) : ok(`not set: ${env} keeps local state in .terraform-state/`),
    },
    {
      id: 'terraform-version', phase: 'before',
      what: `Terraform ${REQUIRED_TERRAFORM_VERSION} (S3-native state locking)`,
      command: ['terraform', 'version', '-json'],
      judge: (stdout) => {
        const version = (JSON.parse(stdout) as { terraform_version?: string }).terraform_version ?? '0';
        return versionAtLeast(version, REQUIRED_TERRAFORM_VERSION.replace('>= ', '')) ? ok(version) : fail(`${version} is older than ${REQUIRED_TERRAFORM_VERSION}`);
      },
    },
    {
      id: 'aws-account', phase: 'before',
      what: 'the AWS credentials in use belong to the site\'s account',
      command: ['aws', 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'],
      judge: (stdout) => (!account ? ok(`${stdout.trim()} (no awsAccountId to compare)`) : stdout.trim() === account ? ok(account) : fail(`credentials are for ${stdout.trim()}, the site says ${account}`)),
    },
  ];
  if (account) {
    checks.push({
      id: 'state-bucket', phase: 'account',
      what: `the state bucket ${stateBucketName(account, environment.region)} exists (apply ${ACCOUNT_STACK} first)`,
      command: ['aws', 's3api', 'get-bucket-versioning', '--bucket', stateBucketName(account, environment.region), '--query', 'Status', '--output', 'text', ...region],
      judge: (stdout) => (stdout.trim() === 'Enabled' ? ok('versioned') : fail(`versioning is "${stdout.trim()}"`)),
    });
  }
  checks.push({
    id: 'apigateway-logging-role', phase: 'account',
    what: `API Gateway has its account-wide CloudWatch Logs role in ${environment.region} (from ${ACCOUNT_STACK})`,
    command: ['aws', 'apigateway', 'get-account', '--query', 'cloudwatchRoleArn', '--output', 'text', ...region],
    judge: (stdout) => (/^arn:aws:iam::\d{12}:role\//.test(stdout.trim()) ? ok(stdout.trim()) : fail('no role set: stage logging fails until it is')),
  });
  const reserved = environment.functions.api.reservedConcurrency;
  if (reserved !== undefined) {
    const needed = reserved + UNRESERVED_CONCURRENCY_MINIMUM;
    checks.push({
      id: 'lambda-concurrency-quota', phase: 'before',
      what: `the account's unreserved Lambda concurrency is at least ${needed} (reserved ${reserved} + ${UNRESERVED_CONCURRENCY_MINIMUM} AWS keeps unreserved; other functions' reservations count)`,
      command: ['aws', 'lambda', 'get-account-settings', '--query', 'AccountLimit.UnreservedConcurrentExecutions', '--output', 'text', ...region],
      judge: (stdout) => (Number(stdout.trim()) >= needed ? ok(stdout.trim()) : fail(`unreserved is ${stdout.trim()}: request a higher quota (Service Quotas, Lambda concurrent executions) or lower functions.api.reservedConcurrency`)),
    });
  }
  checks.push(
    {
      id: 'cost-allocation-tags', phase: 'after',
      what: `cost allocation tags ${COST_ALLOCATION_TAGS.join(', ')} are active (the budget and the cost command filter on them; in an AWS Organization, activated from the management account)`,
      command: ['aws', 'ce', 'list-cost-allocation-tags', '--tag-keys', ...COST_ALLOCATION_TAGS, '--query', 'CostAllocationTags[].[TagKey,Status]', '--output', 'text'],
      judge: (stdout) => {
        const active = new Set(stdout.trim().split('\n').map((l) => l.split(/\s+/)).filter(([, status]) => status === 'Active').map(([key]) => key));
        const inactive = COST_ALLOCATION_TAGS.filter((tag) => !active.has(tag));
        return inactive.length === 0 ? ok('all active') : fail(`activate ${inactive.join(', ')} (Billing → Cost allocation tags; they appear after the first tagged resource exists)`);
      },
    },
    account
      ? {
          id: 'alarm-subscriptions-confirmed', phase: 'after',
          what: `every alarm e-mail confirmed its subscription to ${resourceName(env, 'alarms')}`,
          command: [
            'aws', 'sns', 'list-subscriptions-by-topic',
            '--topic-arn', `arn:aws:sns:${environment.region}:${account}:${resourceName(env, 'alarms')}`,
            '--query', 'Subscriptions[].[Endpoint,SubscriptionArn]', '--output', 'text', ...region,
          ],
          judge: (stdout) => {
            const rows = stdout.trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/));
            const pending = rows.filter(([, arn]) => !arn?.startsWith('arn:')).map(([endpoint]) => endpoint);
            if (rows.length === 0) return fail('no subscriptions yet: apply, then each address confirms the e-mail AWS sends');
            return pending.length === 0 ? ok(`${rows.length} confirmed`) : fail(`not confirmed: ${pending.join(', ')}`);
          },
        }
      : {
          id: 'alarm-subscriptions-confirmed', phase: 'after',
          what: `every alarm e-mail confirmed its subscription to ${resourceName(env, 'alarms')}`,
          judge: () => fail(`add "awsAccountId" to ${siteFile} to check it (the topic's ARN names the account)`),
        },
  );
  return checks;
}
