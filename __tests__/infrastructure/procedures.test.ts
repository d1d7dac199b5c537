/**
 * Runbook procedures, proven on the Terraform graph: for every environment, each procedure's
 * `-target` closure (computed as Terraform computes it) holds what the procedure claims to change
 * and nothing it must not touch. help/RUNBOOK.md shows exactly the declared commands.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OPTIONAL_CONFIG_KEYS, environmentNames, getEnvironment } from '../../config/environments';
import { FUNCTION_JOBS } from '../../config/names';
import { PROCEDURES, Procedure, procedure } from '../../config/procedures';
import { checkProcedure, fillAddressPlaceholders, terraformInvocations } from '../../modules/core/procedure-check';
import { TerraformGraph, addressPattern, interpolations } from '../../modules/core/terraform-graph';
import { PROCEDURE_BLOCK, configValue, writeProcedureBlocks } from '../../scripts/render-runbook';
import { synthesizeAll } from '../helpers/synthesized';

const synthesized = synthesizeAll();
const graphs = new Map(environmentNames().map((env) => [env, TerraformGraph.fromStackDir(synthesized.stackDir(env))]));
const runbookFile = path.resolve(__dirname, '../../help/RUNBOOK.md');
const runbook = fs.readFileSync(runbookFile, 'utf8');

describe('the -target closure', () => {
  const prod = graphs.get('prod')!;

  test('follows references through module outputs and variables, and depends_on, never dependents', () => {
    const closure = prod.changedBy(['module.api_services.aws_lambda_alias.api_live']);
    expect(closure).toContain('module.api_services.aws_lambda_function.api'); // alias → function
    expect(closure).toContain('module.security.aws_kms_key.main'); // var.kms_key_arn → module.security output
    expect(closure).toContain('module.api_services.aws_iam_role_policy.api_policy'); // depends_on
    expect(closure).not.toContain('module.api_services.terraform_data.api_release'); // a dependent
  });

  test('a module target brings every resource of the module', () => {
    const inModule = prod.resourceAddresses.filter((a) => a.startsWith('module.monitoring.'));
    expect(prod.changedBy(['module.monitoring'])).toEqual(expect.arrayContaining(inModule));
  });

  test('an address that does not exist is an error, as in Terraform', () => {
    expect(() => prod.changedBy(['module.api_services.aws_lambda_function.nope'])).toThrow('matches nothing');
  });

  test('template expressions: nested braces, quoted strings and escaped $${ are parsed as Terraform does', () => {
    expect(interpolations('a ${var.x} b $${var.y} ${jsonencode({"k" = "}"})} c')).toEqual(['var.x', 'jsonencode({"k" = "}"})']);
  });

  test('address patterns: * within one segment, ** across segments', () => {
    expect(addressPattern('module.database.aws_dynamodb_table.*').test('module.database.aws_dynamodb_table.vehicles')).toBe(true);
    expect(addressPattern('module.database.*').test('module.database.aws_dynamodb_table.vehicles')).toBe(false);
    expect(addressPattern('module.database.**').test('module.database.aws_dynamodb_table.vehicles')).toBe(true);
    expect(addressPattern('module.database.**').test('module.databases.aws_dynamodb_table.vehicles')).toBe(false);
    expect(addressPattern('module.api_services.aws_lambda_*').test('module.api_services.aws_lambda_alias.api_live')).toBe(false);
    expect(addressPattern('module.api_services.aws_lambda_*.*').test('module.api_services.aws_lambda_alias.api_live')).toBe(true);
  });
});

describe.each(environmentNames())('procedures in %s', (environment) => {
  const config = getEnvironment(environment);
  const graph = graphs.get(environment)!;
  const applicable = PROCEDURES.filter((p) => p.appliesTo?.(config) ?? true);

  test.each(applicable.map((p) => [p.id, p] as const))('%s changes what it claims and nothing it must not touch', (_id, p) => {
    expect(checkProcedure(p, graph, config)).toEqual([]);
  });

  test.each(PROCEDURES.filter((p) => p.overrides).map((p) => [p.id, p] as const))(
    '%s (an AWS CLI change) is made permanent in config before any apply could undo it',
    (_id, p) => {
      if (!(p.appliesTo?.(config) ?? true)) return;
      const { attribute, configKey } = p.overrides!;
      const address = fillAddressPlaceholders(p.overrides!.address, config);
      const [, module, type, name] = /^module\.([a-z_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(address)!;
      expect(Object.keys(synthesized.resources(environment, module, type)[name] ?? {})).toContain(attribute);
      // Every Terraform procedure whose closure holds the overridden resource would revert the CLI change.
      const reverting = applicable
        .filter((other) => terraformInvocations(other.commands).some((i) => i.targets.length === 0 || graph.changedBy(i.targets.map((t) => fillAddressPlaceholders(t, config))).includes(address)))
        .map((other) => other.id);
      expect(reverting.length === 0 || configKey !== undefined).toBe(true);
      if (configKey) expect(configValue(config, configKey) !== undefined || (OPTIONAL_CONFIG_KEYS as readonly string[]).includes(configKey)).toBe(true);
    },
  );

  test.each(FUNCTION_JOBS)('the %s function\'s release is one target that reaches everything that runs its code', (job) => {
    const closure = graph.changedBy([`module.api_services.terraform_data.${job}_release`]);
    const running = graph.resourceAddresses.filter((a) => new RegExp(`aws_lambda_(function|alias|provisioned_concurrency_config)\\.${job}(_|$)|aws_iam_role_policy\\.${job}_policy`).test(a));
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(closure).toEqual(expect.arrayContaining(running));
  });

  test('no apply that reaches a provisioned table resets capacity that auto scaling raised (tables and indexes)', () => {
    if (config.dynamodb.capacity.billingMode !== 'PROVISIONED') return;
    for (const [name, table] of Object.entries(synthesized.resources(environment, 'database', 'aws_dynamodb_table'))) {
      const ignored: string[] = table.lifecycle?.ignore_changes ?? [];
      expect({ name, ignored }).toEqual({ name, ignored: expect.arrayContaining(['read_capacity', 'write_capacity']) });
      if (table.global_secondary_index?.length) expect({ name, ignored }).toEqual({ name, ignored: expect.arrayContaining(['global_secondary_index']) });
    }
  });
});

describe('the checker fails on the procedures this runbook used to print', () => {
  const config = getEnvironment('prod');
  const graph = graphs.get('prod')!;
  const old = (id: string, commands: string[]): Procedure => ({ ...procedure(id), id: `old-${id}`, commands });

  test('Lambda recovery by targeting the function alone: the alias and provisioned concurrency stay behind', () => {
    const problems = checkProcedure(old('api-release', ['terraform apply -target=module.api_services.aws_lambda_function.api']), graph, config);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('claims to change module.api_services.aws_lambda_alias.api_live'),
        expect.stringContaining('claims to change module.api_services.aws_lambda_provisioned_concurrency_config.api_provisioned_concurrency'),
      ]),
    );
  });

  test('provisioned concurrency by targeting the alias: the setting is not in its closure', () => {
    const problems = checkProcedure(old('api-release', ['terraform apply -target=module.api_services.aws_lambda_alias.api_live']), graph, config);
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('aws_lambda_provisioned_concurrency_config.api_provisioned_concurrency')]));
  });

  test('throttling by targeting the usage plan alone: the stage-wide method settings stay', () => {
    const problems = checkProcedure(old('api-throttling', ['terraform apply -target=module.api_services.aws_api_gateway_usage_plan.rest_api_usage_plan']), graph, config);
    expect(problems).toEqual([expect.stringContaining('aws_api_gateway_method_settings.rest_api_all_methods')]);
  });

  test('the WAF change by targeting the whole module (as the runbook said): it also ships the function', () => {
    const problems = checkProcedure(old('waf-rate-limit', ['terraform apply -target=module.api_services']), graph, config);
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('must not touch module.api_services.aws_lambda_*.*, but its -target closure includes module.api_services.aws_lambda_function.api')]));
  });

  test('a must-not-touch pattern that matches nothing is itself a failure (it would guard nothing)', () => {
    const problems = checkProcedure({ ...procedure('cache-scale'), mustNotTouch: ['module.databse.**'] }, graph, config);
    expect(problems).toEqual([expect.stringContaining('must-not-touch pattern module.databse.** matches no resource')]);
  });

  test('raising DynamoDB ceilings on two write targets leaves reads, indexes and the devices table out', () => {
    const problems = checkProcedure(
      old('dynamodb-capacity', ['terraform apply -target=module.database.aws_appautoscaling_target.positions_write -target=module.database.aws_appautoscaling_target.vehicles_write']),
      graph,
      config,
    );
    expect(problems.join('\n')).toMatch(/vehicles_by_fleet_read/);
    expect(problems.join('\n')).toMatch(/devices_write/);
  });
});

describe('help/RUNBOOK.md prints the declared commands', () => {
  const blocks = [...runbook.matchAll(PROCEDURE_BLOCK)];

  test('every procedure appears exactly once, with exactly its commands', () => {
    expect(blocks.map((b) => b[1]).sort()).toEqual(PROCEDURES.map((p) => p.id).sort());
    expect(writeProcedureBlocks(runbook, PROCEDURES)).toBe(runbook); // else: npm run procedures
  });

  test('each procedure sits under its section', () => {
    const misplaced: string[] = [];
    for (const block of blocks) {
      const heading = runbook.slice(0, block.index).split('\n').filter((l) => /^#{2,6} /.test(l)).pop()?.replace(/^#+ /, '');
      const expected = procedure(block[1]).section;
      if (heading !== expected) misplaced.push(`${block[1]} is under "${heading}", declared under "${expected}"`);
    }
    expect(misplaced).toEqual([]);
  });

  test('every terraform -target command in help/ and README.md is one of a declared procedure\'s', () => {
    const declared = new Set(PROCEDURES.flatMap((p) => terraformInvocations(p.commands)).map((i) => [...i.targets, ...i.replaces].sort().join(' ')));
    const files = ['README.md', ...fs.readdirSync(path.dirname(runbookFile)).filter((f) => f.endsWith('.md')).map((f) => `help/${f}`)];
    const stray: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.resolve(__dirname, '../..', file), 'utf8').replace(PROCEDURE_BLOCK, '').replace(/\\\n\s*/g, ' ');
      text.split('\n').forEach((line, i) => {
        for (const [command] of line.matchAll(/terraform (?:apply|plan)[^`\n]*?-(?:target|replace)=[^`\n]*/g)) {
          if (/<address>|…/.test(command)) continue; // the generic form, not a command
          const [invocation] = terraformInvocations([command]);
          if (!declared.has([...invocation.targets, ...invocation.replaces].sort().join(' '))) stray.push(`${file}:${i + 1}: ${command}`);
        }
      });
    }
    expect(stray).toEqual([]);
  });
});
