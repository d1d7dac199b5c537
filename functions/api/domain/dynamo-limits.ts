import { type FieldError, MAX_FIELD_ERRORS } from './errors';

/** The first problems, named (at most the limit), and how many there are in all. */
export interface Unstorable {
  readonly errors: FieldError[];
  readonly total: number;
}

/**
 * What DynamoDB (and the SDK's marshaller) can store, checked before any store is touched, so a
 * client's value is a 400 naming the field and never a 503 that no retry can fix:
 * - numbers: DynamoDB keeps magnitudes 1e-130 … <1e126 (and 0); the SDK refuses integers beyond
 *   2^53 − 1, which a JSON double cannot hold exactly anyway;
 * - maps and lists nest at most 32 levels in an item (ours start one or two levels down);
 * - map keys are non-empty, and not names the SDK treats as an object's machinery.
 */
export const DYNAMO_LIMITS = {
  /** Nesting allowed inside a client-supplied value (an item's own levels come on top, under 32). */
  maxNesting: 16,
  minMagnitude: 1e-130,
  maxMagnitude: 1e126,
} as const;

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return 'must be an integer within ±9007199254740991 (2^53 − 1)';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && magnitude < DYNAMO_LIMITS.minMagnitude) return 'is too close to zero to store (DynamoDB keeps magnitudes down to 1e-130); send 0';
  if (magnitude >= DYNAMO_LIMITS.maxMagnitude) return 'is too large to store (DynamoDB keeps magnitudes below 1e126)';
  return undefined;
}

const fieldName = (parent: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(key)}]`);

/**
 * Problems that would make DynamoDB or the SDK reject `values`, each named from its field. Linear
 * in their size; every problem is counted, the first `limit` are named (names are only built while
 * they may be needed); never descends below the nesting limit, so no input can exhaust the stack.
 */
export function unstorableFields(values: readonly { value: unknown; field: string }[], limit = MAX_FIELD_ERRORS): Unstorable {
  const errors: FieldError[] = [];
  let total = 0;
  const report = (path: () => string, message: string) => {
    total += 1;
    if (errors.length < limit) errors.push({ field: path(), message });
  };
  const walk = (node: unknown, path: () => string, depth: number): void => {
    if (typeof node === 'number') {
      const problem = numberProblem(node);
      if (problem) report(path, problem);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (depth > DYNAMO_LIMITS.maxNesting) {
      report(path, `nests more than ${DYNAMO_LIMITS.maxNesting} levels of objects or arrays`);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, () => `${path()}[${i}]`, depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      if (key === '') report(() => `${path()}[""]`, 'has an empty name; names must have at least one character');
      else if (RESERVED_KEYS.has(key)) report(() => fieldName(path(), key), `"${key}" cannot be used as a name`);
      else walk(item, () => fieldName(path(), key), depth + 1);
    }
  };
  for (const { value, field } of values) walk(value, () => field, 0);
  return { errors, total };
}
