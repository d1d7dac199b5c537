/**
 * Every name the infrastructure, the app, the dev server and help/ agree on.
 * See ../shared/CONVENTIONS.md; change a name here and everything follows.
 */
export const PROJECT = 'vehicle-tracking';

/** `vehicle-tracking-<env>`: the root stack, its synthesized directory and the prefix of every AWS name. */
export function stackName(environment: string): string {
  return `${PROJECT}-${environment}`;
}

/** `vehicle-tracking-<env>-<component>`: the name of any AWS resource. */
export function resourceName(environment: string, component: string): string {
  return `${stackName(environment)}-${component}`;
}

/** Logical table keys; the physical name is `vehicle-tracking-<env>-<key>`. */
export type TableKey = 'vehicles' | 'positions' | 'devices' | 'fleets' | 'geofences' | 'events' | 'webhooks';

export function tableName(environment: string, table: TableKey): string {
  return resourceName(environment, table);
}

/**
 * `vt:<env>:`, the prefix of every Redis key of an environment. The cache mirrors one vehicles table:
 * served from another (a point-in-time restore), it starts empty under `vt:<env>:<table>:`, since
 * entries taken from the old table may be ahead of the restored one. A local data set adds its own
 * namespace (`vt:local:<namespace>:`): dev servers sharing one Redis never see each other's entries.
 */
export function cacheKeyPrefix(environment: string, vehiclesTable: string, namespace?: string): string {
  const base = vehiclesTable === tableName(environment, 'vehicles') ? `vt:${environment}:` : `vt:${environment}:${vehiclesTable}:`;
  return namespace ? `${base}${namespace}:` : base;
}

/**
 * Lambda jobs. The HTTP API's job is `api` (function `vehicle-tracking-<env>-api`); `events` derives
 * the event log from the positions table's stream; `status` raises deviceOffline/deviceOnline every minute;
 * `delivery` publishes the log's changes to the event bus and delivers them to webhooks.
 */
export const FUNCTION_JOBS = ['api', 'events', 'status', 'delivery'] as const;
export type FunctionJob = (typeof FUNCTION_JOBS)[number];

export function functionName(environment: string, job: FunctionJob): string {
  return resourceName(environment, job);
}

/** A function's dead-letter queue: failed asynchronous invocations and stream batches given up on. */
export function functionDeadLetterQueueName(environment: string, job: FunctionJob): string {
  return `${functionName(environment, job)}-dlq`;
}

export function lambdaLogGroupName(environment: string, job: FunctionJob): string {
  return `/aws/lambda/${functionName(environment, job)}`;
}

/** `vehicle-tracking-<env>-events`: the EventBridge bus every change of the event log is published to. */
export function eventBusName(environment: string): string {
  return resourceName(environment, 'events');
}

/** The SQS queues of webhook delivery: where a failed attempt waits for the next, and where the last one's delivery goes. */
export function webhookQueueNames(environment: string): { readonly retries: string; readonly deadLetters: string } {
  return { retries: resourceName(environment, 'webhook-retries'), deadLetters: resourceName(environment, 'webhook-dead-letters') };
}

/** Where the bus's rules put events they could not hand to their target. */
export function busDeadLetterQueueName(environment: string): string {
  return resourceName(environment, 'bus-dead-letters');
}

/** The bus's rule for one consumer (the built-in `webhooks` and `log`, and ENVIRONMENTS[env].events.consumers). */
export function busRuleName(environment: string, consumer: string): string {
  return `${eventBusName(environment)}-${consumer}`;
}

/** The log group every event published on the bus is kept in (the `log` rule). */
export function busLogGroupName(environment: string): string {
  return `/aws/events/${eventBusName(environment)}`;
}

/** The Terraform module calls in the root stack, by their fixed snake_case names. */
export const MODULE_NAMES = [
  'network',
  'database',
  'cache',
  'api_services',
  'monitoring',
  'storage',
  'security',
  'events',
] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** Where a synthesized stack lives, relative to the repository root. */
export function synthesizedStackDir(environment: string): string {
  return `cdktf.out/stacks/${stackName(environment)}`;
}

/** The account-wide bootstrap stack: state bucket and API Gateway's CloudWatch role, once per account and region. */
export const ACCOUNT_STACK = `${PROJECT}-account`;

/** The state bucket of an account and region; S3 names are global, so both are in it. */
export function stateBucketName(accountId: string, region: string): string {
  return `${PROJECT}-tfstate-${accountId}-${region}`;
}

/** Key of an environment's state object in the state bucket. */
export function stateKey(environment: string): string {
  return `${PROJECT}/${environment}/terraform.tfstate`;
}

/** Local state, outside `cdktf.out/` (which every synth rewrites): `.terraform-state/<stack>/` at the repository root. */
export const LOCAL_STATE_DIR = '.terraform-state';

/** The local backend's path as seen from `cdktf.out/stacks/<stack>/`. */
export function localStatePath(stack: string): string {
  return `../../../${LOCAL_STATE_DIR}/${stack}/terraform.tfstate`;
}

/** Oldest Terraform that runs the synthesized stacks: S3-native state locking (`use_lockfile`) needs 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10.0';

/** Secrets the API reads by name (names are deterministic; ARNs carry a random suffix). */
export function redisAuthSecretName(environment: string): string {
  return resourceName(environment, 'redis-auth-token');
}

export function redisEndpointSecretName(environment: string): string {
  return resourceName(environment, 'redis-endpoint');
}

export function apiKeysSecretName(environment: string): string {
  return resourceName(environment, 'api-keys');
}

/** IAM resource pattern of a secret by name: Secrets Manager appends `-` and six random characters. */
export function secretArnPattern(region: string, account: string, name: string): string {
  return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`;
}

/** `byFleet` → `by_fleet`, for Terraform names. */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
