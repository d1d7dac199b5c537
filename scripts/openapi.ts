/** `npm run openapi`: rewrites functions/api/openapi/openapi.json from the route schemas (see generate.ts). */
import * as fs from 'fs';
import * as path from 'path';
import { generateOpenApiDocument } from '../functions/api/openapi/generate';

export const OPENAPI_FILE = path.resolve(__dirname, '../functions/api/openapi/openapi.json');

generateOpenApiDocument().then(
  (document) => {
    fs.writeFileSync(OPENAPI_FILE, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`${path.relative(process.cwd(), OPENAPI_FILE)}: ${Object.keys(document.paths as object).length} paths`);
  },
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
