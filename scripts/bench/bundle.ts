import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { buildFunctionBundle, esbuildOptions } from '../../functions/build/bundle-function';

const REPO = path.resolve(__dirname, '..', '..');

/** Built exactly as the deployed bundle is (the same options, from bundle-function.ts). */
function bundleWithDeployedOptions(entry: string): Buffer {
  return Buffer.from(buildSync(esbuildOptions(entry, REPO)).outputFiles[0].contents);
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

/** The deployed artifact: functions/api/lambda.ts through buildFunctionBundle('api'), every file of its zip on disk. */
export function deployedBundle(): BuiltBundle & { zipBytes: number; code: Buffer } {
  const started = performance.now();
  const bundle = buildFunctionBundle('api');
  const built = writeBundle(bundle.code, performance.now() - started);
  for (const { name, content } of bundle.files.slice(1)) {
    fs.mkdirSync(path.dirname(path.join(path.dirname(built.file), name)), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(built.file), name), content);
  }
  return { ...built, zipBytes: bundle.zip.length, code: bundle.code };
}

/** A baseline entry under scripts/bench/, bundled the way the deployed artifact is. */
export function baselineBundle(entry: string): BuiltBundle {
  const started = performance.now();
  const code = bundleWithDeployedOptions(path.relative(REPO, path.join(__dirname, entry)));
  return writeBundle(code, performance.now() - started);
}
