import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { FieldError } from '../domain/errors';

/**
 * Bodies are validated strictly (no type coercion: `"lat": true` is an error, not 1) and report
 * every problem at once; query strings and path parameters are coerced from text as usual.
 */
export function installValidators(app: FastifyInstance): void {
  const common = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false } as const;
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const lenient = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}

/** Ajv errors as client-facing fields: `/3/lat` in a body array becomes `positions[3].lat`. */
export function toFieldErrors(errors: readonly ErrorObject[], httpPart: string | undefined, bodyName: string): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of resolveAnyOf(errors)) {
    let field = pathToField(error.instancePath, httpPart === 'body' ? bodyName : '');
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      field = join(field, (error.params as { missingProperty: string }).missingProperty);
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      field = join(field, (error.params as { additionalProperty: string }).additionalProperty);
      message = 'is not a known field';
    } else if (error.keyword === 'anyOf') message = describeAnyOf(field);
    else if (error.keyword === 'enum') message = `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ field: field || httpPart || 'body', message });
  }
  return result;
}

/**
 * An anyOf failure reports every branch's errors plus a summary. When exactly one branch has the
 * type of the value that was sent (an object vs an array body), its errors are the useful ones;
 * otherwise the summary ("wrong type") is.
 */
function resolveAnyOf(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  if (anyOfs.length === 0) return [...errors];
  const dropped = new Set<ErrorObject>();
  for (const anyOf of anyOfs) {
    const prefix = `${anyOf.schemaPath}/`;
    const children = errors.filter((e) => e.schemaPath.startsWith(prefix));
    const branches = new Map<string, ErrorObject[]>();
    for (const child of children) {
      const branch = child.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(branch, [...(branches.get(branch) ?? []), child]);
    }
    const typeMatches = [...branches.values()].filter(
      (branchErrors) => !branchErrors.some((e) => e.keyword === 'type' && e.instancePath === anyOf.instancePath),
    );
    const keep = typeMatches.length === 1 ? new Set(typeMatches[0]) : new Set<ErrorObject>();
    for (const child of children) if (!keep.has(child)) dropped.add(child);
    if (keep.size > 0) dropped.add(anyOf);
  }
  return errors.filter((e) => !dropped.has(e));
}

function describeAnyOf(field: string): string {
  if (field.endsWith('timestamp')) return 'must be an ISO-8601 date-time string or epoch milliseconds';
  if (/\.attributes\.|^attributes\./.test(field)) return 'must be a string (at most 256 characters), number or boolean';
  return 'has the wrong type or format';
}

function pathToField(instancePath: string, bodyName: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = '';
  for (const part of parts) field = /^\d+$/.test(part) ? `${field || bodyName}[${part}]` : join(field, part);
  return field;
}

const join = (field: string, name: string) => (field ? `${field}.${name}` : name);
