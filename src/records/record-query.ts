// Finding records: the typed query a list request becomes, its limits, and what every filter and
// sort means, written once here in memory. Both stores push the same query into SQL
// (store/record-search-sql.ts); the contract suite checks they agree with these functions.
import type { FieldType, ObjectTypeSpec, RecordData, RecordRow } from '../domain/types.js';

/** Page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest `limit` a list request may ask for. */
export const MAX_PAGE_SIZE = 1000;
/** Field filters (`stage=...`, `amount[gte]=...`) one request may combine. */
export const MAX_FIELD_FILTERS = 20;
/** Characters of one filter value. */
export const MAX_FILTER_VALUE_LENGTH = 1024;
/**
 * `where` is CEL evaluated in process: one request reads at most this many records (those the
 * field filters already matched), then answers with what it found and a cursor to go on from.
 */
export const WHERE_MAX_SCAN = 5000;
/**
 * Budget steps (conditions/budget.ts) all `where` evaluations of one request may use together;
 * each single evaluation is also held to the per-expression budget. Reached: the page ends early
 * with a cursor, as at WHERE_MAX_SCAN.
 */
export const WHERE_STEP_BUDGET = 1_000_000;

/** How a field compares: strings and date-times as text (byte order), numbers, booleans. */
export type FieldKind = 'text' | 'number' | 'boolean';
export type Comparable = string | number | boolean;

export const FILTER_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface FieldFilter {
  field: string;
  kind: FieldKind;
  op: FilterOp;
  value: Comparable;
}

/** A record column a list may be sorted on besides the id and the fields. */
export type SortColumn = 'created_at' | 'updated_at';

export interface RecordSort {
  /** What is sorted on first; undefined: the id alone. The id breaks every tie. */
  key?: { field: string; kind: FieldKind } | { column: SortColumn };
  descending: boolean;
}

/** Where a page ended: the last record's sort value (null: the field is not set) and id. */
export interface RecordPosition {
  value: Comparable | null;
  id: string;
}

export interface RecordFilterQuery {
  tenant: string;
  type: string;
  filters: FieldFilter[];
}

export interface RecordQuery extends RecordFilterQuery {
  sort: RecordSort;
  /** Only records after this position in sort order (the keyset cursor). */
  after?: RecordPosition;
  limit: number;
}

/** An expression index on one field: declared in config (`objects.<type>.indexes`). */
export interface FieldIndex {
  field: string;
  kind: FieldKind;
}

export function fieldKind(type: FieldType): FieldKind {
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'boolean') return 'boolean';
  return 'text';
}

/**
 * Field names go into SQL as JSON paths and index expressions (so that an index can match), so
 * they must be plain identifiers; values never do (they are bound). Config and object types hold
 * fields to this pattern already; the SQL builders check it again.
 */
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The field's value when it is set and of the kind's JSON type, else null (a stale type counts as unset). */
export function fieldValue(data: RecordData, field: string, kind: FieldKind): Comparable | null {
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  if (kind === 'text') return typeof value === 'string' ? value : null;
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value) ? value : null;
  return typeof value === 'boolean' ? value : null;
}

/** Byte order for text (what SQLite's BINARY and PostgreSQL's "C" collation do), numeric otherwise. */
export function compareValues(a: Comparable, b: Comparable): number {
  if (typeof a === 'string' && typeof b === 'string') return Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Math.sign(Number(a) - Number(b));
}

/** Does the record pass the filter? `ne` also passes a record whose field is not set. */
export function matchesFilter(record: RecordRow, filter: FieldFilter): boolean {
  const value = fieldValue(record.data, filter.field, filter.kind);
  if (value === null) return filter.op === 'ne';
  const c = compareValues(value, filter.value);
  switch (filter.op) {
    case 'eq': return c === 0;
    case 'ne': return c !== 0;
    case 'gt': return c > 0;
    case 'gte': return c >= 0;
    case 'lt': return c < 0;
    case 'lte': return c <= 0;
  }
}

export function sortValue(record: RecordRow, sort: RecordSort): Comparable | null {
  const key = sort.key;
  if (!key) return null;
  if ('column' in key) return key.column === 'created_at' ? record.createdAt : record.updatedAt;
  return fieldValue(record.data, key.field, key.kind);
}

export function positionOf(record: RecordRow, sort: RecordSort): RecordPosition {
  return { value: sortValue(record, sort), id: record.id };
}

/**
 * Sort order: by the key (descending when asked), records without a value last in either
 * direction, then by id in the same direction. Total, so pages never overlap or skip.
 */
export function comparePositions(a: RecordPosition, b: RecordPosition, sort: RecordSort): number {
  const direction = sort.descending ? -1 : 1;
  if (sort.key) {
    if (a.value === null && b.value !== null) return 1;
    if (a.value !== null && b.value === null) return -1;
    if (a.value !== null && b.value !== null) {
      const c = compareValues(a.value, b.value);
      if (c !== 0) return c * direction;
    }
  }
  return compareValues(a.id, b.id) * direction;
}

/** The query answered in memory: what findRecords must return from these records. */
export function findInMemory(records: RecordRow[], query: RecordQuery): RecordRow[] {
  const after = query.after;
  return records
    .filter((r) => r.tenant === query.tenant && r.type === query.type)
    .filter((r) => query.filters.every((f) => matchesFilter(r, f)))
    .filter((r) => !after || comparePositions(positionOf(r, query.sort), after, query.sort) > 0)
    .sort((a, b) => comparePositions(positionOf(a, query.sort), positionOf(b, query.sort), query.sort))
    .slice(0, query.limit);
}

/** The field indexes the object types declare (an unknown field was refused when config was read). */
export function declaredFieldIndexes(types: Iterable<ObjectTypeSpec>): FieldIndex[] {
  const indexes: FieldIndex[] = [];
  for (const type of types) {
    for (const field of type.indexes ?? []) {
      const spec = Object.hasOwn(type.fields, field) ? type.fields[field] : undefined;
      if (spec) indexes.push({ field, kind: fieldKind(spec.type) });
    }
  }
  return indexes;
}
