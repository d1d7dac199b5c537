/**
 * cdktf app: one root stack `vehicle-tracking-<env>` per environment, plus the account bootstrap
 * stack `vehicle-tracking-account` (state bucket, API Gateway logging role).
 * `npx tsx main.ts [env|account]` or ENVIRONMENT=<env> synthesizes one; no argument synthesizes all.
 * `cdktf synth` / `cdktf deploy vehicle-tracking-<env>` run this through cdktf.json.
 */
import * as path from 'path';
import { App } from 'cdktf';
import { ACCOUNT_STACK, stackName, stateBucketName } from './config/names';
import { loadSite } from './config/site';
import { ENVIRONMENTS, environmentNames, getEnvironment } from './config/environments';
import { AccountStack } from './modules/account-stack';
import { VehicleTrackingStack } from './modules/vehicle-tracking-stack';

/** `account` names the bootstrap stack. */
export const ACCOUNT = 'account';

export function selectedEnvironments(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const named = argv[0] ?? env.ENVIRONMENT;
  if (named === ACCOUNT) return [ACCOUNT];
  return named ? [getEnvironment(named).name] : [ACCOUNT, ...environmentNames()];
}

/** The one region of every environment: the account stack bootstraps it. */
export function accountRegion(): string {
  const regions = [...new Set(Object.values(ENVIRONMENTS).map((e) => e.region))];
  if (regions.length !== 1) throw new Error(`Environments span regions ${regions.join(', ')}: give the account stack one instance per region`);
  return regions[0];
}

export function synthesize(selected: readonly string[], outdir?: string): App {
  const app = new App({ outdir });
  for (const name of selected) {
    if (name === ACCOUNT) new AccountStack(app, { region: accountRegion() });
    else new VehicleTrackingStack(app, getEnvironment(name));
  }
  app.synth();
  return app;
}

export const selectedStackName = (name: string) => (name === ACCOUNT ? ACCOUNT_STACK : stackName(name));

/** What a synthesized environment still lacks before it can be deployed (npm run preflight lists all). */
export function siteWarnings(selected: readonly string[]): string[] {
  return selected
    .filter((name) => name !== ACCOUNT)
    .flatMap((name) => {
      const environment = getEnvironment(name);
      const site = loadSite(name);
      const warnings: string[] = [];
      if (environment.stateBackend === 's3' && !site.awsAccountId) {
        warnings.push(`${stackName(name)} keeps its state only in S3, and config/site/${name}.json names no awsAccountId: terraform init will ask for the bucket (${stateBucketName('<account>', environment.region)})`);
      }
      return warnings;
    });
}

if (require.main === module) {
  try {
    const environments = selectedEnvironments(process.argv.slice(2), process.env);
    const app = synthesize(environments);
    for (const name of environments) console.log(`Synthesized ${path.join(app.outdir, 'stacks', selectedStackName(name))}`);
    // On stdout: `cdktf synth` relabels anything on stderr as a red [ERROR], and this is a notice.
    for (const warning of siteWarnings(environments)) console.log(`Warning: ${warning}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
