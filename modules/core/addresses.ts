import * as fs from 'fs';
import * as path from 'path';
import { MODULES_DIR } from './module-call';

interface TerraformJson {
  resource?: Record<string, Record<string, unknown>>;
}

/**
 * Every address an operator can pass to `terraform apply -target=…` in a synthesized stack
 * directory: `module.<module>.<type>.<name>`, sorted. Data sources are left out: they are read, never applied.
 */
export function targetAddresses(stackDir: string): string[] {
  const modulesDir = path.join(stackDir, MODULES_DIR);
  const addresses: string[] = [];
  for (const module of fs.readdirSync(modulesDir).sort()) {
    const tf = JSON.parse(fs.readFileSync(path.join(modulesDir, module, 'main.tf.json'), 'utf8')) as TerraformJson;
    for (const [type, byName] of Object.entries(tf.resource ?? {})) {
      for (const name of Object.keys(byName)) addresses.push(`module.${module}.${type}.${name}`);
    }
  }
  return addresses.sort();
}
