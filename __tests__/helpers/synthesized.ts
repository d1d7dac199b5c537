import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { EnvironmentConfig, environmentNames } from '../../config/environments';
import { VehicleTrackingStack } from '../../modules/vehicle-tracking-stack';
import { ACCOUNT_STACK, stackName } from '../../config/names';
import { ACCOUNT, synthesize } from '../../main';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type TfJson = Record<string, any>;

export interface Synthesized {
  readonly outdir: string;
  stackDir(environment: string): string;
  root(environment: string): TfJson;
  /** The account bootstrap stack's cdk.tf.json. */
  account(): TfJson;
  module(environment: string, module: string): TfJson;
  modules(environment: string): string[];
  /** Resources of one type in a module, by name. */
  resources(environment: string, module: string, type: string): Record<string, TfJson>;
}

let cached: Synthesized | undefined;

/** Synthesizes every environment in-process into a fresh temporary directory (once per test file). */
export function synthesizeAll(): Synthesized {
  if (cached) return cached;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-synth-'));
  synthesize([ACCOUNT, ...environmentNames()], outdir);
  const readJson = (file: string): TfJson => JSON.parse(fs.readFileSync(file, 'utf8'));
  const stackDir = (environment: string) => path.join(outdir, 'stacks', stackName(environment));
  const module = (environment: string, name: string) =>
    readJson(path.join(stackDir(environment), 'modules', name, 'main.tf.json'));
  cached = {
    outdir,
    stackDir,
    root: (environment) => readJson(path.join(stackDir(environment), 'cdk.tf.json')),
    account: () => readJson(path.join(outdir, 'stacks', ACCOUNT_STACK, 'cdk.tf.json')),
    module,
    modules: (environment) => fs.readdirSync(path.join(stackDir(environment), 'modules')).sort(),
    resources: (environment, name, type) => module(environment, name).resource?.[type] ?? {},
  };
  return cached;
}

export interface SynthesizedResource {
  readonly module: string;
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly config: TfJson;
}

/** Every resource of every module of an environment. */
export function allResources(environment: string): SynthesizedResource[] {
  const synthesized = synthesizeAll();
  return synthesized.modules(environment).flatMap((module) =>
    Object.entries(synthesized.module(environment, module).resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName as Record<string, TfJson>).map(([name, config]) => ({
        module,
        type,
        name,
        address: `module.${module}.${type}.${name}`,
        config,
      })),
    ),
  );
}

export function resourcesOfType(environment: string, type: string): SynthesizedResource[] {
  return allResources(environment).filter((r) => r.type === type);
}

/** Synthesizes one environment entry as given (not from ENVIRONMENTS) and reads a module back. */
export function synthesizeEntry(config: EnvironmentConfig): (module: string) => TfJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-entry-'));
  const app = new App({ outdir });
  new VehicleTrackingStack(app, config);
  app.synth();
  const dir = path.join(outdir, 'stacks', stackName(config.name));
  return (module: string) => JSON.parse(fs.readFileSync(path.join(dir, 'modules', module, 'main.tf.json'), 'utf8'));
}
