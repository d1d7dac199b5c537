/**
 * cdktf app: one root stack `vehicle-tracking-<env>` per environment.
 * `npx tsx main.ts [env]` or ENVIRONMENT=<env> synthesizes one; no argument synthesizes all.
 * `cdktf synth` / `cdktf deploy vehicle-tracking-<env>` run this through cdktf.json.
 */
import * as path from 'path';
import { App } from 'cdktf';
import { stackName } from './config/names';
import { environmentNames, getEnvironment } from './config/environments';
import { VehicleTrackingStack } from './modules/vehicle-tracking-stack';

export function selectedEnvironments(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const named = argv[0] ?? env.ENVIRONMENT;
  return named ? [getEnvironment(named).name] : environmentNames();
}

export function synthesize(environments: readonly string[], outdir?: string): App {
  const app = new App({ outdir });
  for (const name of environments) new VehicleTrackingStack(app, getEnvironment(name));
  app.synth();
  return app;
}

if (require.main === module) {
  try {
    const environments = selectedEnvironments(process.argv.slice(2), process.env);
    const app = synthesize(environments);
    for (const name of environments) console.log(`Synthesized ${path.join(app.outdir, 'stacks', stackName(name))}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
