import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { FieldError, MAX_FIELD_ERRORS } from '../domain/errors';

/**
 * Bodies are validated strictly (no type coercion: `"lat": true` is an error, not 1) and report
 * problems at once; query strings and path parameters are coerced from text as usual.
 * The work is bounded by the schema, not by the body: an array beyond its `maxItems` is refused
 * before any item is looked at (a 1 MB array would otherwise yield one error per element).
 */
export function installValidators(app: FastifyInstance): void {
  const common = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false } as const;
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  // Stops at the first error: the fast path for valid bodies, and how bad items are found.
  const firstError = addFormats(new Ajv({ ...common, allErrors: false, coerceTypes: false }));
  const lenient = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    compiledOnFirstUse(() => (httpPart === 'body' ? boundedBody(schema as BodySchema, strict, firstError) : lenient.compile(schema))),
  );
}

/**
 * A validator compiled when its route is first called, not at start: compiling every route's
 * schemas was a quarter of a cold start, and a Lambda container often serves only a few routes.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  return validate;
}

interface BodySchema {
  readonly type?: string;
  readonly maxItems?: number;
  readonly items?: BodySchema;
  readonly anyOf?: readonly BodySchema[];
}

/** The schema of a top-level array's items, when the body may be an array. */
function topLevelItems(schema: BodySchema): BodySchema | undefined {
  return [schema, ...(schema.anyOf ?? [])].find((s) => s.type === 'array' && s.items)?.items;
}

/** The largest array the body schema accepts at its top level, if it accepts arrays at all. */
function topLevelMaxItems(schema: BodySchema): number | undefined {
  const arrays = [schema, ...(schema.anyOf ?? [])].filter((s) => s.type === 'array' && s.maxItems !== undefined);
  return arrays.length > 0 ? Math.max(...arrays.map((s) => s.maxItems!)) : undefined;
}

/** No object in any body here may have more fields (the widest, vehicle metadata, allows 50). */
export const MAX_OBJECT_FIELDS = 50;

/** The JSON pointer of the first object with more than `limit` fields, and its size (no allocation per key). */
function widestObject(value: unknown, limit: number, pointer = ''): { pointer: string; size: number } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = widestObject(value[i], limit, `${pointer}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  let size = 0;
  for (const key in record) if (Object.prototype.hasOwnProperty.call(record, key)) size++;
  if (size > limit) return { pointer, size };
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const found = widestObject(record[key], limit, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * A body validator whose work is bounded: size and width checks first; a first-error pass that
 * settles valid bodies; and for an invalid array, full reports of its invalid items (each found by
 * a first-error pass) only until they hold MAX_FIELD_ERRORS problems, the other items counted.
 */
function boundedBody(schema: BodySchema, all: Ajv, first: Ajv): ValidateFunction {
  const validate = all.compile(schema);
  const quick = first.compile(schema);
  const itemSchema = topLevelItems(schema);
  const quickItem = itemSchema ? first.compile(itemSchema) : undefined;
  const itemDetail = itemSchema ? all.compile(itemSchema) : undefined;
  const maxItems = topLevelMaxItems(schema);
  const bounded = ((data: unknown) => {
    if (maxItems !== undefined && Array.isArray(data) && data.length > maxItems) {
      bounded.errors = [
        { keyword: 'maxItems', instancePath: '', schemaPath: '#/maxItems', params: { limit: maxItems }, message: `must NOT have more than ${maxItems} items (it has ${data.length})` },
      ];
      return false;
    }
    // Ajv reports every unknown field of an object: 60,000 of them would be 60,000 errors.
    const wide = widestObject(data, MAX_OBJECT_FIELDS);
    if (wide) {
      bounded.errors = [
        { keyword: 'maxProperties', instancePath: wide.pointer, schemaPath: '#/maxProperties', params: { limit: MAX_OBJECT_FIELDS }, message: `must NOT have more than ${MAX_OBJECT_FIELDS} fields (it has ${wide.size})` },
      ];
      return false;
    }
    if ((quick as (value: unknown) => boolean)(data)) {
      bounded.errors = null;
      return true;
    }
    const invalid: number[] = [];
    if (quickItem && Array.isArray(data)) for (let i = 0; i < data.length; i++) if (!quickItem(data[i])) invalid.push(i);
    // Otherwise the array itself is wrong (empty, say) or the body is an object: the full report is small.
    if (itemDetail && invalid.length > 0) {
      // Full reports item by item, only until they hold MAX_FIELD_ERRORS problems: one item with 45
      // bad attributes already fills the answer, and detailing 20 such items cost 100 ms of CPU.
      const detailed: ErrorObject[] = [];
      let items = 0;
      while (items < invalid.length && detailed.length < MAX_FIELD_ERRORS) {
        const index = invalid[items++];
        itemDetail((data as unknown[])[index]);
        detailed.push(...(itemDetail.errors ?? []).map((e) => ({ ...e, instancePath: `/${index}${e.instancePath}` })));
      }
      const undetailed = invalid.length - items;
      bounded.errors = [
        ...detailed,
        ...(undetailed > 0
          ? [{ keyword: 'invalidItems', instancePath: '', schemaPath: '#', params: { count: undetailed }, message: `has ${undetailed} more invalid items after those listed` }]
          : []),
      ];
      return false;
    }
    const valid = validate(data);
    bounded.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return bounded;
}

/**
 * Ajv errors as client-facing fields: `/3/lat` in a body array becomes `positions[3].lat`. At most
 * MAX_FIELD_ERRORS are returned, with the total; the work is linear in the number of Ajv errors.
 */
export function toFieldErrors(errors: readonly ErrorObject[], httpPart: string | undefined, bodyName: string): { errors: FieldError[]; total: number } {
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
    if (result.length < MAX_FIELD_ERRORS) result.push({ field: field || httpPart || 'body', message });
  }
  // Items not detailed (see boundedBody) count once each: at least one problem apiece.
  const undetailed = errors.find((e) => e.keyword === 'invalidItems')?.params as { count?: number } | undefined;
  return { errors: result, total: seen.size + Math.max(0, (undetailed?.count ?? 0) - 1) };
}

/**
 * An anyOf failure reports every branch's errors plus a summary. When exactly one branch has the
 * type of the value that was sent (an object vs an array body), its errors are the useful ones;
 * otherwise the summary ("wrong type") is.
 */
function resolveAnyOf(errors: readonly ErrorObject[]): ErrorObject[] {
  if (!errors.some((e) => e.keyword === 'anyOf')) return [...errors];
  const dropped = new Set<ErrorObject>();
  errors.forEach((anyOf, index) => {
    if (anyOf.keyword !== 'anyOf') return;
    // Ajv reports a failed anyOf's branch errors just before it: walk back over them only.
    const prefix = `${anyOf.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (let i = index - 1; i >= 0; i--) {
      const child = errors[i];
      if (!child.schemaPath.startsWith(prefix) || !child.instancePath.startsWith(anyOf.instancePath)) break;
      const branch = child.schemaPath.slice(prefix.length).split('/')[0];
      const list = branches.get(branch);
      if (list) list.push(child);
      else branches.set(branch, [child]);
    }
    const typeMatches = [...branches.values()].filter(
      (branchErrors) => !branchErrors.some((e) => e.keyword === 'type' && e.instancePath === anyOf.instancePath),
    );
    const keep = typeMatches.length === 1 ? new Set(typeMatches[0]) : new Set<ErrorObject>();
    for (const list of branches.values()) for (const child of list) if (!keep.has(child)) dropped.add(child);
    if (keep.size > 0) dropped.add(anyOf);
  });
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
