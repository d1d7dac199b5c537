import * as crypto from 'crypto';
import * as path from 'path';
import { Metafile, buildSync } from 'esbuild';
import type { FunctionJob } from '../../config/names';
import { deterministicZip } from './deterministic-zip';

/** The Lambda runtime every function uses (nodejs20.x is end-of-life). */
export const LAMBDA_RUNTIME = 'nodejs22.x';
const ESBUILD_TARGET = 'node22';

export interface FunctionBundle {
  readonly job: FunctionJob;
  /** The deployment package: `index.js` exporting `handler`. */
  readonly zip: Buffer;
  /** base64 SHA-256 of the zip, as Terraform's `source_code_hash` expects. */
  readonly sha256: string;
  /** The unzipped JavaScript. */
  readonly code: Buffer;
  /** npm packages inside the bundle, with the bytes each contributes. */
  readonly packages: ReadonlyMap<string, number>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const cache = new Map<FunctionJob, FunctionBundle>();

/** The bundle of a job, built once per process and shared by every environment. */
export function bundleFunction(job: FunctionJob): FunctionBundle {
  let bundle = cache.get(job);
  if (!bundle) {
    bundle = buildFunctionBundle(job);
    cache.set(job, bundle);
  }
  return bundle;
}

/** Bundles `functions/<job>/lambda.ts` with esbuild into one minified `index.js` and zips it deterministically. */
export function buildFunctionBundle(job: FunctionJob, repoRoot: string = REPO_ROOT): FunctionBundle {
  const result = buildSync({
    absWorkingDir: repoRoot,
    entryPoints: [`functions/${job}/lambda.ts`],
    bundle: true,
    platform: 'node',
    target: ESBUILD_TARGET,
    format: 'cjs',
    minify: true,
    // Readable function names in stack traces at 3 a.m.
    keepNames: true,
    legalComments: 'none',
    // Module paths in the bundle stay relative to the checkout, whatever node_modules links to.
    preserveSymlinks: true,
    write: false,
    outfile: 'index.js',
    logLevel: 'silent',
    metafile: true,
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  const zip = deterministicZip([{ name: 'index.js', content: code }]);
  return { job, zip, sha256: crypto.createHash('sha256').update(zip).digest('base64'), code, packages: packageSizes(result.metafile!) };
}

function packageSizes(metafile: Metafile): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1] : '(project)';
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
}
