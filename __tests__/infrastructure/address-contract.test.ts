import * as fs from 'fs';
import * as path from 'path';
import { environmentNames } from '../../config/environments';
import { targetAddresses } from '../../modules/core/addresses';
import { ADDRESS_CONTRACT_FILE, parseAddressContract } from '../../modules/core/address-contract';
import { synthesizeAll } from '../helpers/synthesized';

const synthesized = synthesizeAll();
const contract = parseAddressContract(fs.readFileSync(path.resolve(__dirname, '..', '..', ADDRESS_CONTRACT_FILE), 'utf8'));

describe(`the reviewed address list in ${ADDRESS_CONTRACT_FILE}`, () => {
  test('names exactly the configured environments', () => {
    expect([...contract.keys()].sort()).toEqual(environmentNames().sort());
  });

  test.each(environmentNames())('matches what synth produces for %s', (environment) => {
    const actual = targetAddresses(synthesized.stackDir(environment));
    const reviewed = contract.get(environment) ?? [];
    const added = actual.filter((a) => !reviewed.includes(a));
    const removed = reviewed.filter((a) => !actual.includes(a));
    if (added.length || removed.length) {
      throw new Error(
        `Terraform addresses for ${environment} changed. Operators' -target commands depend on them.\n` +
          `New (add to ${ADDRESS_CONTRACT_FILE} after review): ${JSON.stringify(added)}\n` +
          `Gone (renamed or removed; check help/ and recovery commands): ${JSON.stringify(removed)}\n` +
          '`npm run targets` prints the current list.',
      );
    }
    expect(actual).toEqual(reviewed);
  });

  test('includes the runbook\'s Lambda recovery target', () => {
    for (const environment of environmentNames()) {
      expect(contract.get(environment)).toContain('module.api_services.aws_lambda_function.api');
    }
  });
});
