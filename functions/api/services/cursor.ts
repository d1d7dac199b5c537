import * as crypto from 'crypto';
import { ApiError } from '../domain/errors';

export type CursorKey = Readonly<Record<string, string | number>>;

/**
 * Opaque pagination cursors: DynamoDB's LastEvaluatedKey plus a digest binding it to the query it
 * came from (path, filters, order). A cursor that was edited or belongs to another query is a 400.
 * The digest detects accidents (an edited cursor, one from another query); it is not a secret, so
 * every decoded key is also re-validated against the query by `fits` (same partition, inside the
 * query's range, well-formed ids): a forged cursor is a 400, never a key DynamoDB would reject.
 */
export function encodeCursor(scope: string, key: CursorKey): string {
  const body = JSON.stringify(key);
  return Buffer.from(JSON.stringify({ k: key, d: digest(scope, body) })).toString('base64url');
}

export function decodeCursor(
  cursor: string,
  scope: string,
  shape: Readonly<Record<string, 'S' | 'N'>>,
  fits: (key: CursorKey) => boolean,
): CursorKey {
  const invalid = () =>
    ApiError.badRequest('cursor is invalid or belongs to another query; start again without it', [
      { field: 'cursor', message: 'is invalid or belongs to another query' },
    ]);
  let parsed: { k?: unknown; d?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const key = parsed?.k;
  if (typeof key !== 'object' || key === null || typeof parsed.d !== 'string') throw invalid();
  const fields = Object.entries(key as Record<string, unknown>);
  const wellFormed =
    fields.length === Object.keys(shape).length &&
    fields.every(([name, value]) =>
      shape[name] === 'S' ? typeof value === 'string' : shape[name] === 'N' ? Number.isSafeInteger(value) : false,
    );
  if (!wellFormed || parsed.d !== digest(scope, JSON.stringify(key)) || !fits(key as CursorKey)) throw invalid();
  return key as CursorKey;
}

function digest(scope: string, body: string): string {
  return crypto.createHash('sha256').update(`vehicle-tracking-cursor\n${scope}\n${body}`).digest('base64url').slice(0, 22);
}
