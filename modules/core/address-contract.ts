/**
 * The address contract: help/terraform-addresses.md lists every `-target` address per environment.
 * Operators' recovery commands depend on these names, so a change must be a reviewed edit of that
 * file, never a regenerated snapshot.
 */
export const ADDRESS_CONTRACT_FILE = 'help/terraform-addresses.md';

const HEADING = /^## (\S+)$/;

export function renderAddressContract(byEnvironment: ReadonlyMap<string, readonly string[]>): string {
  const sections = [...byEnvironment].map(
    ([environment, addresses]) =>
      `## ${environment}\n\n\`\`\`text\n${addresses.join('\n')}\n\`\`\`\n`,
  );
  return (
    '# Terraform addresses\n\n' +
    'Every address you can pass to `terraform apply -target=<address>` in\n' +
    '`cdktf.out/stacks/vehicle-tracking-<env>/`, per environment. A test compares this list with what\n' +
    'synth produces: renaming an address breaks recovery commands, so change this file on purpose.\n\n' +
    sections.join('\n')
  );
}

export function parseAddressContract(markdown: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] | undefined;
  let inBlock = false;
  for (const line of markdown.split('\n')) {
    const heading = HEADING.exec(line);
    if (heading) {
      current = [];
      result.set(heading[1], current);
    } else if (line.startsWith('```')) {
      inBlock = !inBlock;
    } else if (inBlock && current && line.trim()) {
      current.push(line.trim());
    }
  }
  return result;
}
