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
export type TableKey = 'vehicles' | 'positions' | 'devices';

export function tableName(environment: string, table: TableKey): string {
  return resourceName(environment, table);
}

/** Lambda jobs. The HTTP API's job is `api` (function `vehicle-tracking-<env>-api`). */
export type FunctionJob = 'api';

export function functionName(environment: string, job: FunctionJob): string {
  return resourceName(environment, job);
}

export function lambdaLogGroupName(environment: string, job: FunctionJob): string {
  return `/aws/lambda/${functionName(environment, job)}`;
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
] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** Where a synthesized stack lives, relative to the repository root. */
export function synthesizedStackDir(environment: string): string {
  return `cdktf.out/stacks/${stackName(environment)}`;
}
