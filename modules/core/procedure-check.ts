import type { EnvironmentConfig } from '../../config/environments';
import type { Procedure } from '../../config/procedures';
import { TerraformGraph, addressPattern } from './terraform-graph';

/** One `terraform apply|plan` of a procedure, with its flags. */
export interface TerraformInvocation {
  readonly line: string;
  readonly targets: string[];
  readonly replaces: string[];
}

/** Joins `\`-continued lines, then finds each terraform apply/plan and its -target/-replace flags. */
export function terraformInvocations(commands: readonly string[]): TerraformInvocation[] {
  const joined = commands.join('\n').replace(/\\\n\s*/g, ' ').split('\n');
  return joined
    .filter((line) => /^\s*terraform (apply|plan)\b/.test(line) || /&& terraform (apply|plan)\b/.test(line))
    .map((line) => ({
      line,
      targets: [...line.matchAll(/-target=([^\s'"]+)/g)].map((m) => m[1]),
      replaces: [...line.matchAll(/-replace=([^\s'"]+)/g)].map((m) => m[1]),
    }));
}

/** Operator placeholders inside addresses, filled with a real value of the environment for the check. */
export function fillAddressPlaceholders(address: string, environment: EnvironmentConfig): string {
  return address.replace(/<old_key>/g, environment.api.apiKeyNames[0].replace(/-/g, '_'));
}

/**
 * What is wrong with a procedure in one environment, computed on its synthesized graph: a claimed
 * change outside the closure of its commands, a forbidden resource inside it, a -replace that the
 * targets do not reach. Empty when the procedure does what it says.
 */
export function checkProcedure(procedure: Procedure, graph: TerraformGraph, environment: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const where = `procedure ${procedure.id} in ${environment.name}`;
  const all = graph.resourceAddresses;
  const invocations = terraformInvocations(procedure.commands);
  const closure = new Set<string>();
  for (const invocation of invocations) {
    const targets = invocation.targets.map((t) => fillAddressPlaceholders(t, environment));
    let changed: string[];
    try {
      changed = targets.length > 0 ? graph.changedBy(targets) : all;
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    changed.forEach((address) => closure.add(address));
    for (const replaced of invocation.replaces.map((r) => fillAddressPlaceholders(r, environment))) {
      if (!changed.includes(replaced)) problems.push(`${where}: -replace=${replaced} is outside the -target closure, so Terraform ignores it`);
    }
  }
  for (const claim of procedure.changes) {
    const optional = claim.endsWith('?');
    const pattern = addressPattern(optional ? claim.slice(0, -1) : claim);
    const matching = all.filter((address) => pattern.test(address));
    if (matching.length === 0) {
      if (!optional) problems.push(`${where}: claims to change ${claim}, which matches no resource`);
      continue;
    }
    for (const address of matching) {
      if (!closure.has(address)) problems.push(`${where}: claims to change ${address}, but its commands' -target closure does not include it`);
    }
  }
  for (const forbidden of procedure.mustNotTouch) {
    const pattern = addressPattern(forbidden);
    // A pattern that matches nothing guards nothing: a typo must not pass as a proof.
    if (!all.some((address) => pattern.test(address))) problems.push(`${where}: must-not-touch pattern ${forbidden} matches no resource`);
    for (const address of closure) {
      if (pattern.test(address)) problems.push(`${where}: must not touch ${forbidden}, but its -target closure includes ${address}`);
    }
  }
  return problems;
}
