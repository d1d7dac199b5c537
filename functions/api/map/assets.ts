import * as fs from 'fs';
import * as path from 'path';
import { etagOf } from '../plugins/conditional-get';

/** Where the API's zip carries the built map (functions/build/bundle-function.ts puts it there). */
export const BUNDLED_MAP_DIR = 'map';

/** A built file and its validator, computed once (not a 1 MB hash per request). */
export interface MapAsset {
  readonly body: Buffer;
  readonly etag: string;
}

let loaded: { js: MapAsset; css: MapAsset } | undefined;

/**
 * The map's script and stylesheet: from the zip in Lambda, else built once by esbuild (the dev
 * server and tests, where the build tools are installed). Read on first use, not at cold start.
 */
export function mapAssets(): { js: MapAsset; css: MapAsset } {
  if (loaded) return loaded;
  const bundled = path.join(__dirname, BUNDLED_MAP_DIR);
  let built: { js: Buffer; css: Buffer };
  if (fs.existsSync(path.join(bundled, 'map.js'))) {
    built = { js: fs.readFileSync(path.join(bundled, 'map.js')), css: fs.readFileSync(path.join(bundled, 'map.css')) };
  } else {
    // A path esbuild cannot follow: the build tools stay out of the Lambda bundle (this branch never runs there).
    const builder = ['..', '..', 'build', 'map-assets'].join('/');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildMapAssets } = require(builder) as typeof import('../../build/map-assets');
    built = buildMapAssets();
  }
  loaded = { js: { body: built.js, etag: etagOf(built.js) }, css: { body: built.css, etag: etagOf(built.css) } };
  return loaded;
}
