/**
 * The drift check: help/*.md against what the code synthesizes, for every environment.
 * Each failure names the file and line to fix.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OPTIONAL_CONFIG_KEYS, environmentNames, getEnvironment } from '../../config/environments';
import { stackName } from '../../config/names';
import { CACHE_SNAPSHOT_WINDOW, MAINTENANCE_WINDOW, PITR_RECOVERY_PERIOD_DAYS } from '../../config/operations';
import { THRESHOLDS, runbookAnchor } from '../../config/thresholds';
import { LATEST_TTL_MS } from '../../functions/api/services/position-cache';
import { ADDRESS_CONTRACT_FILE } from '../../modules/core/address-contract';
import { targetAddresses } from '../../modules/core/addresses';
import { VALUE_PLACEHOLDER, configValue, renderForEnvironment } from '../../scripts/render-runbook';
import { PROCEDURES } from '../../config/procedures';
import { fillAddressPlaceholders } from '../../modules/core/procedure-check';
import { synthesizeAll, TfJson } from '../helpers/synthesized';
import { HelpFile, headingAnchors, readHelpFiles } from './markdown';

const synthesized = synthesizeAll();
const files = readHelpFiles();
const runbook = files.find((f) => f.name === 'RUNBOOK.md')!;
const packageScripts = Object.keys(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')).scripts);

/** Every string value anywhere in the synthesized stack: the names that exist. */
function synthesizedStrings(environment: string): Set<string> {
  const strings = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(synthesized.root(environment));
  for (const module of synthesized.modules(environment)) walk(synthesized.module(environment, module));
  return strings;
}

const withEnv = (text: string, environment: string) =>
  fillAddressPlaceholders(text.replace(/<env>/g, environment).replace(/<region>/g, getEnvironment(environment).region), getEnvironment(environment));

/**
 * Names that are not in the synthesized stack on purpose: what operators create themselves (the
 * restored table, the snapshot copy) and the state bucket of earlier versions (Upgrading).
 */
const CREATED_BY_OPERATORS = /-restored$|-cache-restore$|^vehicle-tracking-prod-terraform-state$/;

/**
 * Addresses that may be absent from an environment: those of procedures that do not apply to it (the
 * WAF where it is off) and those a procedure declares optional (provisioned concurrency where it is 0).
 */
function inapplicableAddresses(environment: string): Set<string> {
  const config = getEnvironment(environment);
  const ofInapplicable = PROCEDURES.filter((p) => !(p.appliesTo?.(config) ?? true)).flatMap((p) =>
    [...p.commands.join(' ').matchAll(/module\.[a-z_]+\.[a-z0-9_]+\.[a-z0-9_]+/g)].map((m) => m[0]),
  );
  const optional = PROCEDURES.flatMap((p) => p.changes).filter((c) => c.endsWith('?') && !c.includes('*')).map((c) => c.slice(0, -1));
  return new Set([...ofInapplicable, ...optional]);
}

type Report = (where: string, message: string) => void;

/** Runs a check over every help/ file and collects its findings as `file:line: message`. */
function problems(check: (file: HelpFile, report: Report) => void): string[] {
  const found: string[] = [];
  for (const file of files) check(file, (where, message) => found.push(`${where}: ${message}`));
  return found;
}

describe.each(environmentNames())('help/ in %s', (environment) => {
  const addresses = new Set([...targetAddresses(synthesized.stackDir(environment)), ...inapplicableAddresses(environment)]);
  const modules = new Set(synthesized.modules(environment));
  const strings = synthesizedStrings(environment);
  const rootOutputs = new Set(Object.keys(synthesized.root(environment).output));
  const config = getEnvironment(environment);

  test('every module.<m>.<type>.<name> address exists in the synthesized stack', () => {
    expect(
      problems((file, report) => {
        // terraform-addresses.md lists every environment's addresses; the address contract test owns it.
        if (file.name === ADDRESS_CONTRACT_FILE.replace('help/', '')) return;
        for (const { where, text } of file.code) {
          for (const [address] of withEnv(text, environment).matchAll(/module\.[a-z_]+\.[a-z0-9_]+\.[a-z0-9_]+/g)) {
            if (!addresses.has(address)) report(where, `${address} is not an address in ${stackName(environment)}`);
          }
          for (const [, module] of text.matchAll(/-target=module\.([a-z_]+)(?=\s|$|`)/g)) {
            if (!modules.has(module)) report(where, `module.${module} is not called in ${stackName(environment)}`);
          }
        }
      }),
    ).toEqual([]);
  });

  test('every resource name (tables, functions, log groups, alarms, topics, aliases) exists in the synthesized stack', () => {
    const name = new RegExp(`vehicle-tracking-${environment}(?:-[A-Za-z0-9]+)*|/aws/[a-z]+/[A-Za-z0-9/_.-]+|alias/[A-Za-z0-9/_-]+`, 'g');
    expect(
      problems((file, report) => {
        for (const { where, text } of file.code) {
          for (const [found] of withEnv(text, environment).matchAll(name)) {
            const cleaned = found.replace(/[.:]$/, '');
            if (CREATED_BY_OPERATORS.test(cleaned) || strings.has(cleaned)) continue;
            report(where, `${cleaned} is not a name in the synthesized ${stackName(environment)}`);
          }
        }
      }),
    ).toEqual([]);
  });

  test('every terraform output it reads exists', () => {
    expect(
      problems((file, report) => {
        for (const { where, text } of file.code) {
          for (const [, output] of text.matchAll(/terraform output (?:-raw |-json )?([a-z_]+)/g)) {
            if (!rootOutputs.has(output)) report(where, `terraform output ${output} does not exist`);
          }
        }
      }),
    ).toEqual([]);
  });

  test('every config key named exists, and every <value:…> is a value of this environment', () => {
    expect(
      problems((file, report) => {
        for (const { where, text } of [...file.fenced, ...file.prose]) {
          for (const [, key] of text.matchAll(/ENVIRONMENTS\['<env>'\]\.([A-Za-z0-9_.]+[A-Za-z0-9_])/g)) {
            const known = configValue(config, key) !== undefined || (OPTIONAL_CONFIG_KEYS as readonly string[]).includes(key);
            if (!known) report(where, `config key ${key} does not exist in ENVIRONMENTS['${environment}']`);
          }
          for (const [, key] of text.matchAll(VALUE_PLACEHOLDER)) {
            const value = configValue(config, key);
            if (value === undefined || typeof value === 'object') report(where, `<value:${key}> is not a value in ENVIRONMENTS['${environment}']`);
          }
        }
      }),
    ).toEqual([]);
  });
});

describe('help/ against code that is the same in every environment', () => {
  test('every `npm run <script>` exists in package.json', () => {
    expect(
      problems((file, report) => {
        for (const { where, text } of file.code) {
          for (const [, script] of text.matchAll(/npm run (?:-s )?([a-z][a-z:-]*)/g)) {
            if (!packageScripts.includes(script)) report(where, `npm run ${script}: no such script in package.json`);
          }
        }
      }),
    ).toEqual([]);
  });

  test('the alert thresholds table quotes exactly config/thresholds.ts', () => {
    const rows = runbook.lines
      .map((line, i) => ({ line, where: `help/RUNBOOK.md:${i + 1}` }))
      .filter(({ line }) => /^\| `[a-z0-9<>[\]-]+` \| > /.test(line));
    const found: string[] = [];
    const seen = new Set<string>();
    for (const { line, where } of rows) {
      const [, id, threshold, unit, period, section] = /^\| `([a-z0-9-]+)[^`]*` \| > (\d+) (\w+) over (\d+) s \| (.+?) \|$/.exec(line) ?? [];
      const entry = Object.values(THRESHOLDS).find((t) => t.id === id.replace(/-$/, ''));
      if (!entry) {
        found.push(`${where}: no threshold ${id} in config/thresholds.ts`);
        continue;
      }
      seen.add(entry.id);
      const quoted = { threshold: Number(threshold), unit, periodSeconds: Number(period), runbookSection: section };
      const actual = { threshold: entry.threshold, unit: entry.unit, periodSeconds: entry.periodSeconds, runbookSection: entry.runbookSection };
      if (JSON.stringify(quoted) !== JSON.stringify(actual)) found.push(`${where}: quotes ${JSON.stringify(quoted)}, config has ${JSON.stringify(actual)}`);
    }
    for (const t of Object.values(THRESHOLDS)) if (!seen.has(t.id)) found.push(`help/RUNBOOK.md: the thresholds table lacks ${t.id}`);
    expect(found).toEqual([]);
  });

  test('windows and retention periods quoted equal the configured ones', () => {
    const expectations: [RegExp, (match: RegExpMatchArray) => string | undefined][] = [
      [/sun:\d\d:\d\d-sun:\d\d:\d\d/g, ([m]) => (m === MAINTENANCE_WINDOW ? undefined : `maintenance window ${m} is ${MAINTENANCE_WINDOW}`)],
      [/(?<!sun:)\b(\d\d:\d\d-\d\d:\d\d)\b/g, ([, m]) => (m === CACHE_SNAPSHOT_WINDOW ? undefined : `snapshot window ${m} is ${CACHE_SNAPSHOT_WINDOW}`)],
      [/recovery period (\d+) days/g, ([, d]) => (Number(d) === PITR_RECOVERY_PERIOD_DAYS ? undefined : `PITR period ${d} is ${PITR_RECOVERY_PERIOD_DAYS}`)],
      [/cached for (\d+) minutes/g, ([, m]) => (Number(m) * 60_000 === LATEST_TTL_MS ? undefined : `cache TTL ${m} min is ${LATEST_TTL_MS / 60_000}`)],
    ];
    expect(
      problems((file, report) => {
        for (const { where, text } of [...file.prose, ...file.fenced]) {
          for (const [pattern, check] of expectations) {
            for (const match of text.matchAll(pattern)) {
              const problem = check(match);
              if (problem) report(where, problem);
            }
          }
        }
      }),
    ).toEqual([]);
  });

  test('every alarm description points to a section heading that exists in RUNBOOK.md', () => {
    const anchors = headingAnchors(runbook.lines);
    const found: string[] = [];
    for (const threshold of Object.values(THRESHOLDS)) {
      if (!anchors.has(runbookAnchor(threshold.runbookSection))) found.push(`config/thresholds.ts ${threshold.id}: no heading "${threshold.runbookSection}" in help/RUNBOOK.md`);
    }
    for (const environment of environmentNames()) {
      const alarms = synthesized.resources(environment, 'monitoring', 'aws_cloudwatch_metric_alarm') as Record<string, TfJson>;
      for (const alarm of Object.values(alarms)) {
        const anchor = /RUNBOOK\.md#([a-z0-9-]+)/.exec(alarm.alarm_description)?.[1];
        if (!anchor || !anchors.has(anchor)) found.push(`${alarm.alarm_name}: description points to #${anchor}, not a RUNBOOK.md heading`);
      }
    }
    expect(found).toEqual([]);
  });

  test('every link between help/ files reaches a file and heading that exist', () => {
    expect(
      problems((file, report) => {
        for (const { where, text } of file.prose) {
          for (const [, target, anchor] of text.matchAll(/\]\(([A-Za-z0-9_.-]+\.md)(?:#([a-z0-9-]+))?\)/g)) {
            const linked = files.find((f) => f.name === target);
            if (!linked) report(where, `link to ${target}: no such file in help/`);
            else if (anchor && !headingAnchors(linked.lines).has(anchor)) report(where, `link to ${target}#${anchor}: no such heading`);
          }
        }
      }),
    ).toEqual([]);
  });
});

describe('npm run runbook', () => {
  test.each(environmentNames())('renders RUNBOOK.md for %s with no placeholder left but the operator\'s own', (environment) => {
    const rendered = renderForEnvironment(runbook.lines.join('\n'), getEnvironment(environment));
    expect(rendered).not.toMatch(/<env>|<region>|<value:/);
    expect(rendered).toContain(`aws dynamodb describe-table --table-name vehicle-tracking-${environment}-vehicles`);
    expect(rendered).toContain(`(now ${getEnvironment(environment).functions.api.memoryMb} MB)`);
  });

  test('an unknown value placeholder is an error naming it', () => {
    expect(() => renderForEnvironment('x <value:cache.nodeTipe> y', getEnvironment('prod'))).toThrow("<value:cache.nodeTipe> is not a value in ENVIRONMENTS['prod']");
  });
});
