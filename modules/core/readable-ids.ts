import { TerraformElement } from 'cdktf';
import type { Construct, Node } from 'constructs';

/** Construct ids that name "the main resource of a construct" and so add nothing to an address. */
const TRANSPARENT_IDS = new Set(['Resource', 'Default']);

/**
 * Terraform names from construct paths, never hashed: `aws_lambda_function.api` for a resource
 * with id `api` at the top of its stack, `api_role` for id `role` inside a construct `api`.
 * Operators type these names into `-target`, so they must read well and never change by accident.
 */
export function readableLogicalId(stack: Construct, element: TerraformElement | Node): string {
  const node = TerraformElement.isTerraformElement(element) ? element.node : element;
  const below = node.scopes.slice(node.scopes.indexOf(stack) + 1);
  const parts = below.map((scope) => scope.node.id).filter((id) => !TRANSPARENT_IDS.has(id));
  const id = parts.join('_').replace(/-/g, '_');
  if (!/^[a-z][a-z0-9_]*$/.test(id)) {
    throw new Error(`Construct path "${node.path}" gives Terraform name "${id}"; use lower-case snake_case ids`);
  }
  return id;
}

/** Fails when two elements of one kind share an address: cdktf would silently merge them. */
export function assertUniqueAddresses(stack: Construct): void {
  const seen = new Map<string, string>();
  for (const element of stack.node.findAll().filter(TerraformElement.isTerraformElement)) {
    const kind = (element as { terraformResourceType?: string }).terraformResourceType ?? element.constructor.name;
    const address = `${kind}.${element.friendlyUniqueId}`;
    const other = seen.get(address);
    if (other) throw new Error(`Two constructs synthesize to ${address}: ${other} and ${element.node.path}`);
    seen.set(address, element.node.path);
  }
}
