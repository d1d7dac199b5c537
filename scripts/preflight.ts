/**
 * `npm run preflight -- <env> [--check]`: what must hold in a fresh AWS account before the first
 * apply of <env>, each with the exact read-only command that checks it. Offline it prints the list
 * (site-file items are judged at once); with --check it runs the commands and exits 1 if any fails.
 */
import { execFile } from 'child_process';
import { environmentNames, getEnvironment } from '../config/environments';
import { loadSite } from '../config/site';
import { PHASES, PHASE_TITLES, Phase, PreflightCheck, Verdict, preflightChecks, shellCommand } from './preflight/checks';

function run(argv: readonly string[]): Promise<Verdict | { stdout: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: 30_000, env: { ...process.env, AWS_PAGER: '' } }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') resolve({ ok: false, detail: `${argv[0]} is not installed (or not on PATH)` });
      else if (error) resolve({ ok: false, detail: (stderr || error.message).trim().split('\n').slice(-1)[0] });
      else resolve({ stdout });
    });
  });
}

async function verdict(check: PreflightCheck, runCommands: boolean): Promise<Verdict | undefined> {
  if (!check.command) return check.judge('');
  if (!runCommands) return undefined;
  const result = await run(check.command);
  if ('ok' in result) return result;
  try {
    return check.judge(result.stdout);
  } catch (error) {
    return { ok: false, detail: `unexpected output: ${(error as Error).message}` };
  }
}

async function main(args: string[]): Promise<number> {
  const runCommands = args.includes('--check');
  const phaseArg = args.includes('--phase') ? args[args.indexOf('--phase') + 1] : 'before';
  if (!(PHASES as readonly string[]).includes(phaseArg)) throw new Error(`--phase must be one of ${PHASES.join(', ')}`);
  const reached = PHASES.slice(0, PHASES.indexOf(phaseArg as Phase) + 1);
  const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--phase') ?? process.env.ENVIRONMENT;
  if (!name) throw new Error(`Usage: npm run preflight -- <env> [--check [--phase ${PHASES.join('|')}]]   (one of: ${environmentNames().join(', ')})`);
  const environment = getEnvironment(name);
  const checks = preflightChecks(environment, loadSite(name));
  console.log(`First deployment of vehicle-tracking-${name} (${environment.region})${runCommands ? `, checked up to: ${PHASE_TITLES[phaseArg as Phase]}` : ' — add --check to run the commands'}`);
  let failed = 0;
  let notYet = 0;
  for (const phase of PHASES) {
    console.log(`\n${PHASE_TITLES[phase]}:`);
    for (const check of checks.filter((c) => c.phase === phase)) {
      const result = await verdict(check, runCommands);
      const counts = reached.includes(phase);
      const mark = result === undefined ? '[ ]' : result.ok ? '[✓]' : counts ? '[✗]' : '[–]';
      if (result && !result.ok) {
        if (counts) failed += 1;
        else notYet += 1;
      }
      console.log(`${mark} ${check.what}${result ? `: ${result.detail}` : ''}`);
      if (check.command) console.log(`    $ ${shellCommand(check.command)}`);
    }
  }
  const unchecked = checks.filter((c) => c.command).length;
  console.log(
    runCommands
      ? `\n${failed === 0 ? 'Ready for the next step.' : `${failed} check(s) failed.`}${notYet ? ` ${notYet} later check(s) not passing yet ([–]): expected until their step.` : ''}`
      : `\n${failed} site item(s) to fix; ${unchecked} item(s) not checked yet: run again with --check (read-only AWS calls).`,
  );
  return runCommands && failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
