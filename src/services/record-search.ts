// Finding records: field filters and sort run in the store's SQL; `where` (CEL over `record`) runs
// here, over a bounded scan of what the field filters matched: at most WHERE_MAX_SCAN records and
// WHERE_STEP_BUDGET evaluation steps per request. A page cut short by either bound still carries
// a cursor, which continues after the last record read, so nothing is skipped.
import { CelScope, type CelProgram } from '../conditions/cel.js';
import { validationError } from '../errors.js';
import type { ObjectTypeSpec, RecordRow } from '../domain/types.js';
import { decodeCursor, encodeCursor, queryFingerprint } from '../records/record-cursor.js';
import { parseRecordListParams } from '../records/record-list-params.js';
import { positionOf, WHERE_MAX_SCAN, WHERE_STEP_BUDGET, type RecordQuery } from '../records/record-query.js';
import type { Store } from '../store/port.js';

export interface RecordPage {
  items: RecordRow[];
  /** Pass as `after` for the next page; null when there is none. */
  next: string | null;
  /** Records matching the filters in all (asked for with count=true). */
  count?: number;
  /** With `where`: records read to answer this page (at most WHERE_MAX_SCAN). */
  scanned?: number;
}

/** Records read from the store per round while a `where` page fills. */
const WHERE_CHUNK = 250;

export async function searchRecords(store: Store, type: ObjectTypeSpec, tenant: string, params: Record<string, unknown>, now: number): Promise<RecordPage> {
  const request = parseRecordListParams(type, params);
  const where = request.where === undefined ? undefined : compileWhere(type, request.where);
  if (where && request.count) {
    throw validationError([{ path: '/querystring/count', message: 'count cannot be combined with where (where is evaluated over a bounded scan); count with field filters, or page through' }]);
  }
  const fingerprint = queryFingerprint(type.name, request);
  const query: RecordQuery = {
    tenant, type: type.name, filters: request.filters, sort: request.sort, limit: request.limit,
    after: request.after === undefined ? undefined : decodeCursor(request.after, fingerprint, request.sort),
  };
  const page = where ? await scanWhere(store, query, where, now) : await plainPage(store, query);
  const next = page.last ? encodeCursor(positionOf(page.last, query.sort), fingerprint) : null;
  const result: RecordPage = { items: page.items, next };
  if (request.count) result.count = await store.countRecords(query);
  if (where) result.scanned = page.scanned;
  return result;
}

interface ScanResult {
  items: RecordRow[];
  /** The record the next page starts after; undefined when there is no next page. */
  last?: RecordRow;
  scanned: number;
}

/** One more row than the page tells whether a next page exists, without a second query. */
async function plainPage(store: Store, query: RecordQuery): Promise<ScanResult> {
  const rows = await store.findRecords({ ...query, limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  return { items, last: rows.length > query.limit ? items.at(-1) : undefined, scanned: rows.length };
}

async function scanWhere(store: Store, query: RecordQuery, where: CelProgram, now: number): Promise<ScanResult> {
  const items: RecordRow[] = [];
  let scanned = 0;
  let steps = 0;
  let after = query.after;
  for (;;) {
    const asked = Math.min(WHERE_CHUNK, WHERE_MAX_SCAN - scanned);
    const chunk = await store.findRecords({ ...query, after, limit: asked });
    for (const [i, row] of chunk.entries()) {
      scanned++;
      const result = evaluateWhere(where, row, now);
      steps += result.steps;
      if (result.matches) items.push(row);
      const endOfData = i === chunk.length - 1 && chunk.length < asked;
      if (items.length === query.limit || scanned >= WHERE_MAX_SCAN || steps >= WHERE_STEP_BUDGET) {
        // Cut here: the next page starts after this row, unless nothing can follow it.
        return { items, last: endOfData ? undefined : row, scanned };
      }
    }
    if (chunk.length < asked) return { items, scanned };
    after = positionOf(chunk.at(-1) as RecordRow, query.sort);
  }
}

function compileWhere(type: ObjectTypeSpec, source: string): CelProgram {
  const compiled = new CelScope(type).compile(source);
  if (!compiled.ok) throw validationError([{ path: '/querystring/where', message: `invalid CEL: ${compiled.error}` }]);
  const resultType = compiled.program.resultType;
  if (resultType !== 'bool' && resultType !== 'dyn') {
    throw validationError([{ path: '/querystring/where', message: `must be a condition (bool), but returns ${resultType}` }]);
  }
  return compiled.program;
}

/**
 * Like a validation rule: an expression that fails on a record (a field it reads is not set)
 * does not match it. One that runs over its budget on a record is refused: it would on others too.
 */
function evaluateWhere(where: CelProgram, row: RecordRow, now: number): { matches: boolean; steps: number } {
  const result = where.evaluateCounted({ record: { ...row.data, id: row.id }, previous: {}, changed: [], now });
  if (result.ok) return { matches: result.value === true, steps: result.steps };
  if (result.error.code === 'EXPRESSION_BUDGET_EXCEEDED') {
    throw validationError([{ path: '/querystring/where', message: `over its evaluation budget on ${row.type} ${row.id}: ${result.error.message}` }]);
  }
  return { matches: false, steps: result.steps };
}
