import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { environmentNames, getEnvironment } from '../../config/environments';
import { MODULE_NAMES, stackName } from '../../config/names';
import { synthesizeAll } from '../helpers/synthesized';

const synthesized = synthesizeAll();

describe.each(environmentNames())('synthesized stack %s', (environment) => {
  const stackDir = synthesized.stackDir(environment);
  const root = synthesized.root(environment);

  test('the root configures the aws provider with the environment region and default tags', () => {
    const [provider] = root.provider.aws;
    expect(provider.region).toBe(getEnvironment(environment).region);
    expect(provider.default_tags[0].tags).toEqual({
      Project: 'vehicle-tracking',
      Environment: environment,
      ManagedBy: 'cdktf',
      CostCenter: getEnvironment(environment).costCenter,
    });
  });

  test('the root calls only the fixed module names, each from ./modules/<name> that exists', () => {
    const called = Object.keys(root.module).sort();
    expect(called.length).toBeGreaterThan(0);
    for (const name of called) {
      expect(MODULE_NAMES).toContain(name);
      expect(root.module[name].source).toBe(`./modules/${name}`);
      expect(fs.existsSync(path.join(stackDir, root.module[name].source, 'main.tf.json'))).toBe(true);
    }
    expect(synthesized.modules(environment)).toEqual(called);
  });

  test.each(synthesized.modules(environment))('module %s is a provider-less module with required_providers.aws', (name) => {
    const tf = synthesized.module(environment, name);
    expect(tf.provider).toBeUndefined();
    expect(tf.terraform.backend).toBeUndefined();
    expect(tf.terraform.required_providers.aws).toEqual({
      source: 'hashicorp/aws',
      version: expect.stringMatching(/^>= 6\.\d+\.\d+, < 7\.0\.0$/),
    });
    expect(Object.keys(tf.resource ?? {}).length).toBeGreaterThan(0);
  });

  test.each(synthesized.modules(environment))('module %s gets every variable it declares, and nothing else', (name) => {
    const declared = Object.keys(synthesized.module(environment, name).variable ?? {}).sort();
    const { source: _source, '//': _comment, ...given } = root.module[name];
    expect(Object.keys(given).sort()).toEqual(declared);
  });

  test.each(synthesized.modules(environment))(
    'every reference in module %s resolves inside the module (modules talk only through variables)',
    (name) => {
      const tf = synthesized.module(environment, name);
      const text = JSON.stringify({ resource: tf.resource, output: tf.output, locals: tf.locals, data: tf.data });
      const declared = new Set<string>([
        ...Object.entries(tf.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `${type}.${n}`)),
        ...Object.entries(tf.data ?? {}).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `data.${type}.${n}`)),
        ...Object.keys(tf.variable ?? {}).map((n) => `var.${n}`),
        ...Object.keys(tf.locals ?? {}).map((n) => `local.${n}`),
      ]);
      const references = [...text.matchAll(/\b((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+|var\.[a-z0-9_]+|local\.[a-z0-9_]+)/g)].map((m) => m[1]);
      const dangling = references.filter((ref) => !declared.has(ref));
      expect(dangling).toEqual([]);
    },
  );

  test('state: S3 with native locking where remote state is required, else local outside cdktf.out/; Terraform >= 1.10', () => {
    const config = getEnvironment(environment);
    expect(root.terraform.required_version).toBe('>= 1.10.0');
    if (config.stateBackend === 's3') {
      // No site file in the repository: the bucket is left for `terraform init` to ask for.
      expect(root.terraform.backend.s3).toEqual({ key: `vehicle-tracking/${environment}/terraform.tfstate`, region: config.region, encrypt: true, use_lockfile: true });
    } else {
      const statePath = root.terraform.backend.local.path as string;
      const resolved = path.resolve(stackDir, statePath);
      expect(path.relative(synthesized.outdir, resolved).startsWith('..')).toBe(true);
      expect(statePath).toBe(`../../../.terraform-state/vehicle-tracking-${environment}/terraform.tfstate`);
    }
  });

  test('nothing in the stack directory contains an absolute path of this machine', () => {
    const machinePaths = [process.cwd(), synthesized.outdir, path.resolve(__dirname, '..', '..'), `${os.homedir()}/`, os.tmpdir()];
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else {
          const content = fs.readFileSync(file).toString('latin1');
          for (const machinePath of machinePaths) {
            if (content.includes(machinePath)) offenders.push(`${path.relative(stackDir, file)} contains ${machinePath}`);
          }
        }
      }
    };
    walk(stackDir);
    expect(offenders).toEqual([]);
  });

  test('the Lambda function is the api_services module address the runbook recovers', () => {
    const fn = synthesized.resources(environment, 'api_services', 'aws_lambda_function').api;
    expect(fn.function_name).toBe(`${stackName(environment)}-api`);
    expect(fn.runtime).toBe('nodejs22.x');
    expect(fn.filename).toBe('${path.module}/dist/api.zip');
    expect(fs.existsSync(path.join(stackDir, 'modules', 'api_services', 'dist', 'api.zip'))).toBe(true);
  });
});

const terraformOnPath = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;

/**
 * Terraform itself loads the root and every module (no provider download needed for `get`):
 * catches bad JSON shapes, wrong source paths and invalid variable blocks that a JSON assertion misses.
 * Skipped with a visible note where terraform is not installed.
 */
(terraformOnPath ? describe : describe.skip)('terraform loads the synthesized stack (terraform get)', () => {
  test.each(environmentNames())('%s', (environment) => {
    const copy = fs.mkdtempSync(path.join(synthesized.outdir, 'copy-'));
    // A copy elsewhere proves the directory is relocatable, too.
    fs.cpSync(synthesized.stackDir(environment), copy, { recursive: true });
    execFileSync('terraform', ['get', '-no-color'], {
      cwd: copy,
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
      stdio: 'pipe',
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(copy, '.terraform', 'modules', 'modules.json'), 'utf8'));
    const loaded = manifest.Modules.map((m: { Key: string }) => m.Key).filter(Boolean).sort();
    expect(loaded).toEqual(synthesized.modules(environment));
  });
});
