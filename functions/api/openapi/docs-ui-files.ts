import * as fs from 'fs';
import * as path from 'path';

/** Where the API's zip carries Swagger UI's files (functions/build/bundle-function.ts puts them there). */
export const BUNDLED_DOCS_UI_DIR = 'docs-ui';

/** In Lambda, the files in the zip beside the bundle; elsewhere undefined: @fastify/swagger-ui finds its own. */
export function bundledDocsUiDir(): string | undefined {
  const bundled = path.join(__dirname, BUNDLED_DOCS_UI_DIR);
  return fs.existsSync(bundled) ? bundled : undefined;
}
