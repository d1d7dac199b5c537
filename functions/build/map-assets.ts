import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';

/** The live map's browser code: functions/api/map/client bundled with MapLibre, and MapLibre's stylesheet. */
export interface MapAssets {
  readonly js: Buffer;
  readonly css: Buffer;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Built by the same esbuild as the functions: into the API's zip (map/), or on demand by the dev server. */
export function buildMapAssets(repoRoot: string = REPO_ROOT): MapAssets {
  const result = buildSync({
    absWorkingDir: repoRoot,
    entryPoints: ['functions/api/map/client/main.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    write: false,
    outfile: 'map.js',
    logLevel: 'silent',
  });
  const css = Buffer.concat([
    fs.readFileSync(path.join(repoRoot, 'node_modules', 'maplibre-gl', 'dist', 'maplibre-gl.css')),
    Buffer.from('\n'),
    fs.readFileSync(path.join(repoRoot, 'functions', 'api', 'map', 'client', 'map.css')),
  ]);
  return { js: Buffer.from(result.outputFiles[0].contents), css };
}
