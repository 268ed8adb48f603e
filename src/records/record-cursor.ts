// The list cursor: opaque to clients, a keyset position inside (the last record's sort value and
// id), so a page starts exactly after the previous one however many records were inserted or
// deleted in between: no record is skipped or shown twice because of them. It also carries a
// fingerprint of the query, so a cursor given to a different query is refused, not misread.
import { createHash } from 'node:crypto';
import { validationError } from '../errors.js';
import type { RecordListRequest } from './record-list-params.js';
import type { Comparable, RecordPosition, RecordSort } from './record-query.js';

/** Longest cursor accepted: ours are far shorter (a sort value is at most a field's value). */
export const MAX_CURSOR_LENGTH = 4096;
const VERSION = 1;

interface CursorBody {
  v: number;
  q: string;
  s: Comparable | null;
  i: string;
}

/** What a cursor is bound to: the type, the filters, the sort and where (not limit or count). */
export function queryFingerprint(type: string, request: Pick<RecordListRequest, 'filters' | 'sort' | 'where'>): string {
  const canonical = JSON.stringify([type, request.filters.map((f) => [f.field, f.op, f.value]).sort(), request.sort, request.where ?? null]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(position: RecordPosition, fingerprint: string): string {
  const body: CursorBody = { v: VERSION, q: fingerprint, s: position.value, i: position.id };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a cursor names; a 400 naming `after` when it is not one of ours for this query. */
export function decodeCursor(text: string, fingerprint: string, sort: RecordSort): RecordPosition {
  const invalid = (message: string) => validationError([{ path: '/querystring/after', message }]);
  if (text.length > MAX_CURSOR_LENGTH) throw invalid(`longer than ${MAX_CURSOR_LENGTH} characters; pass the "next" of the previous page`);
  let body: Partial<CursorBody>;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    throw invalid('not a cursor; pass the "next" of the previous page');
  }
  if (typeof body !== 'object' || body === null || body.v !== VERSION || typeof body.i !== 'string' || typeof body.q !== 'string' || hasNul(body)) {
    throw invalid('not a cursor; pass the "next" of the previous page');
  }
  if (body.q !== fingerprint) throw invalid('this cursor belongs to another query (filters, sort or where changed); start again without after');
  const value = body.s ?? null;
  if (!fitsSort(value, sort)) throw invalid('not a cursor for this sort; pass the "next" of the previous page');
  return { value, id: body.i };
}

function fitsSort(value: unknown, sort: RecordSort): value is Comparable | null {
  const key = sort.key;
  if (!key) return value === null;
  if ('column' in key) return typeof value === 'number';
  if (value === null) return true;
  return key.kind === 'text' ? typeof value === 'string' : key.kind === 'number' ? typeof value === 'number' : typeof value === 'boolean';
}

/** A NUL cannot be bound as PostgreSQL text: a cursor holding one is not ours. */
function hasNul(body: Partial<CursorBody>): boolean {
  return [body.i, body.s].some((v) => typeof v === 'string' && v.includes('\u0000'));
}
