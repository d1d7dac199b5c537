import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BuildOptions, Metafile, buildSync } from 'esbuild';
import type { FunctionJob } from '../../config/names';
import { deterministicZip } from './deterministic-zip';
import { buildMapAssets } from './map-assets';
import { BUNDLED_MAP_DIR } from '../api/map/assets';
import { BUNDLED_DOCS_UI_DIR } from '../api/openapi/docs-ui-files';

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
  /** Every file in the zip, index.js first. */
  readonly files: readonly { readonly name: string; readonly content: Buffer }[];
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

/**
 * How every Lambda bundle is built (and the bench's baselines, so they differ only by their code).
 * Whitespace and syntax are minified, identifiers are not: stack traces at 3 a.m. keep real function
 * names without esbuild's keepNames, whose __name call on every closure created cost 37 % of a hot
 * /health invocation; and this bundle, though larger, loads faster (require 97 ms against 126 ms
 * fully minified with keepNames; npm run bench -- cold).
 */
export function esbuildOptions(entry: string, repoRoot: string = REPO_ROOT): BuildOptions & { write: false } {
  return {
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: ESBUILD_TARGET,
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    legalComments: 'none',
    // Module paths in the bundle stay relative to the checkout, whatever node_modules links to.
    preserveSymlinks: true,
    write: false,
    outfile: 'index.js',
    logLevel: 'silent',
  };
}

/** Bundles `functions/<job>/lambda.ts` with esbuild into one `index.js` and zips it deterministically. */
export function buildFunctionBundle(job: FunctionJob, repoRoot: string = REPO_ROOT): FunctionBundle {
  const result = buildSync({ ...esbuildOptions(`functions/${job}/lambda.ts`, repoRoot), metafile: true });
  const code = Buffer.from(result.outputFiles[0].contents);
  // The API serves the live map (its browser bundle and stylesheet) and Swagger UI's files at /docs:
  // they ride in the zip, read on first use.
  const assets = job === 'api' ? buildMapAssets(repoRoot) : undefined;
  const files = [
    { name: 'index.js', content: code },
    ...(assets ? [{ name: `${BUNDLED_MAP_DIR}/map.js`, content: assets.js }, { name: `${BUNDLED_MAP_DIR}/map.css`, content: assets.css }] : []),
    ...(job === 'api' ? docsUiFiles(repoRoot) : []),
  ];
  const zip = deterministicZip(files);
  return { job, zip, sha256: crypto.createHash('sha256').update(zip).digest('base64'), code, files, packages: packageSizes(result.metafile!) };
}

/**
 * Swagger UI's static files, as @fastify/swagger-ui serves them (its `baseDir`). Text only: the PNG
 * favicons are left out, since the page links an SVG one (API Gateway passes text bodies unchanged).
 */
function docsUiFiles(repoRoot: string): { name: string; content: Buffer }[] {
  const dir = path.join(repoRoot, 'node_modules', '@fastify', 'swagger-ui', 'static');
  return fs
    .readdirSync(dir)
    .filter((name) => !name.endsWith('.png'))
    .sort()
    .map((name) => ({ name: `${BUNDLED_DOCS_UI_DIR}/${name}`, content: fs.readFileSync(path.join(dir, name)) }));
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
