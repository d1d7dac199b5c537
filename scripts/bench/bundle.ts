import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { buildFunctionBundle } from '../../functions/build/bundle-function';

const REPO = path.resolve(__dirname, '..', '..');

/**
 * A copy of buildFunctionBundle's esbuild options (they are not exported), so a baseline bundle is
 * built exactly like the deployed one. `sameOptionsAsDeployed` proves the copy has not drifted.
 */
function bundleWithDeployedOptions(entry: string): Buffer {
  const result = buildSync({
    absWorkingDir: REPO,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    keepNames: true,
    legalComments: 'none',
    preserveSymlinks: true,
    write: false,
    outfile: 'index.js',
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

export interface BuiltBundle {
  /** index.js on disk, exporting `handler`. */
  readonly file: string;
  readonly bytes: number;
  readonly buildMs: number;
}

function writeBundle(code: Buffer, buildMs: number): BuiltBundle {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vt-bench-')), 'index.js');
  fs.writeFileSync(file, code);
  return { file, bytes: code.length, buildMs };
}

/** The deployed artifact: functions/api/lambda.ts through buildFunctionBundle('api'). */
export function deployedBundle(): BuiltBundle & { zipBytes: number; code: Buffer } {
  const started = performance.now();
  const bundle = buildFunctionBundle('api');
  return { ...writeBundle(bundle.code, performance.now() - started), zipBytes: bundle.zip.length, code: bundle.code };
}

/** A baseline entry under scripts/bench/, bundled the way the deployed artifact is. */
export function baselineBundle(entry: string): BuiltBundle {
  const started = performance.now();
  const code = bundleWithDeployedOptions(path.relative(REPO, path.join(__dirname, entry)));
  return writeBundle(code, performance.now() - started);
}

/** Whether the copied options bundle functions/api/lambda.ts byte for byte like the deploy does. */
export function sameOptionsAsDeployed(deployedCode: Buffer): boolean {
  return bundleWithDeployedOptions('functions/api/lambda.ts').equals(deployedCode);
}
