/**
 * `npm run targets [-- <env>]`: synthesizes, then prints every `-target` address per environment,
 * in the format of help/terraform-addresses.md.
 */
import * as path from 'path';
import { ACCOUNT, synthesize, selectedEnvironments } from '../main';
import { synthesizedStackDir } from '../config/names';
import { targetAddresses } from '../modules/core/addresses';
import { renderAddressContract } from '../modules/core/address-contract';

try {
  const environments = selectedEnvironments(process.argv.slice(2), process.env).filter((name) => name !== ACCOUNT);
  synthesize(environments);
  const byEnvironment = new Map(
    environments.map((name) => [name, targetAddresses(path.resolve(synthesizedStackDir(name)))]),
  );
  process.stdout.write(renderAddressContract(byEnvironment));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
