// The query string of GET /v1/records/{type} -> a typed list request. Every parameter is either
// one of the reserved ones or a filter on a field the object type declares, and each filter
// value is checked and converted against the field's type; anything else is a 400 naming the
// parameter (UNKNOWN_PARAMETER for a name, VALIDATION_FAILED for a value). Pure.
import { SwitchyardError, validationError, type FieldProblem } from '../errors.js';
import type { FieldSpec, ObjectTypeSpec } from '../domain/types.js';
import { fieldSpec } from './object-types.js';
import {
  DEFAULT_PAGE_SIZE, FILTER_OPS, MAX_FIELD_FILTERS, MAX_FILTER_VALUE_LENGTH, fieldKind,
  type Comparable, type FieldFilter, type FilterOp, type RecordSort,
} from './record-query.js';

/** Parameters that are not field filters. A field of the same name is filtered with `where`. */
export const RESERVED_PARAMETERS = ['limit', 'after', 'sort', 'where', 'count'] as const;

export interface RecordListRequest {
  filters: FieldFilter[];
  sort: RecordSort;
  limit: number;
  /** The `next` of the previous page, as sent (decoded against this query by record-cursor.ts). */
  after?: string;
  where?: string;
  count: boolean;
}

const FILTER_PARAMETER = /^([a-z][a-z0-9_]*)(?:\[([a-z]+)\])?$/;
const SORT = /^(-?)([A-Za-z][A-Za-z0-9_]*)$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^-?\d+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const at = (name: string): string => `/querystring/${name}`;

export function parseRecordListParams(type: ObjectTypeSpec, query: Record<string, unknown>): RecordListRequest {
  const unknown: FieldProblem[] = [];
  const invalid: FieldProblem[] = [];
  const filters: FieldFilter[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if ((RESERVED_PARAMETERS as readonly string[]).includes(name)) continue;
    const match = FILTER_PARAMETER.exec(name);
    const field = match?.[1] ?? '';
    const spec = match ? fieldSpec(type, field) : undefined;
    if (!match || !spec) {
      unknown.push({ path: at(name), message: `unknown query parameter "${name}": not a field of ${type.name} nor one of ${RESERVED_PARAMETERS.join(', ')}` });
      continue;
    }
    const op = (match[2] ?? 'eq') as FilterOp;
    if (!FILTER_OPS.includes(op)) {
      unknown.push({ path: at(name), message: `unknown operator "[${match[2]}]" (known: ${FILTER_OPS.map((o) => `[${o}]`).join(', ')})` });
      continue;
    }
    const value = filterValue(spec, op, raw);
    if (typeof value === 'object') invalid.push({ path: at(name), message: value.problem });
    else filters.push({ field, kind: fieldKind(spec.type), op, value });
  }
  if (unknown.length > 0) {
    throw new SwitchyardError('UNKNOWN_PARAMETER', unknown.map((p) => p.message).join('; '), { problems: unknown });
  }
  if (filters.length > MAX_FIELD_FILTERS) invalid.push({ path: '/querystring', message: `at most ${MAX_FIELD_FILTERS} field filters, got ${filters.length}` });
  const sort = parseSort(type, query.sort, invalid);
  if (invalid.length > 0) throw validationError(invalid);
  return {
    filters,
    sort,
    limit: typeof query.limit === 'number' ? query.limit : DEFAULT_PAGE_SIZE,
    after: typeof query.after === 'string' ? query.after : undefined,
    where: typeof query.where === 'string' ? query.where : undefined,
    count: query.count === true,
  };
}

/** The filter value converted to the field's type, or why it cannot be. */
function filterValue(spec: FieldSpec, op: FilterOp, raw: unknown): Comparable | { problem: string } {
  if (Array.isArray(raw)) return { problem: 'given more than once; give each filter once (or combine conditions with where)' };
  if (typeof raw !== 'string') return { problem: 'expected a value' };
  if (raw.length > MAX_FILTER_VALUE_LENGTH) return { problem: `the value is ${raw.length} characters long, over the limit of ${MAX_FILTER_VALUE_LENGTH}` };
  // No stored text can hold it (PostgreSQL text cannot), and the database would refuse the parameter.
  if (raw.includes('\u0000')) return { problem: 'the value contains a NUL character' };
  switch (spec.type) {
    case 'string':
      if (spec.values && !spec.values.includes(raw)) return { problem: `must be one of ${spec.values.join(', ')}` };
      return raw;
    case 'number':
      return NUMBER.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : { problem: `expected a number, got ${JSON.stringify(raw)}` };
    case 'integer':
      return INTEGER.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : { problem: `expected an integer, got ${JSON.stringify(raw)}` };
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') return { problem: 'a boolean field takes = or [ne] only' };
      return raw === 'true' || raw === 'false' ? raw === 'true' : { problem: `expected true or false, got ${JSON.stringify(raw)}` };
    case 'datetime':
      // Compared as text (ISO 8601 sorts as text when written alike, UTC), so it must look like one.
      return ISO_DATE.test(raw) && !Number.isNaN(Date.parse(raw)) ? raw : { problem: `expected an ISO 8601 date or date-time (2026-03-01, 2026-03-01T09:00:00Z), got ${JSON.stringify(raw)}` };
  }
}

function parseSort(type: ObjectTypeSpec, raw: unknown, problems: FieldProblem[]): RecordSort {
  if (raw === undefined) return { descending: false };
  const match = typeof raw === 'string' ? SORT.exec(raw) : null;
  if (!match) {
    problems.push({ path: at('sort'), message: 'expected a field name, "-" before it for descending (sort=-amount); give sort once' });
    return { descending: false };
  }
  const descending = match[1] === '-';
  const name = match[2] ?? '';
  if (name === 'id') return { descending };
  if (name === 'createdAt') return { key: { column: 'created_at' }, descending };
  if (name === 'updatedAt') return { key: { column: 'updated_at' }, descending };
  const spec = fieldSpec(type, name);
  if (!spec) {
    problems.push({ path: at('sort'), message: `${type.name} has no field "${name}" (sort on a field, id, createdAt or updatedAt)` });
    return { descending };
  }
  return { key: { field: name, kind: fieldKind(spec.type) }, descending };
}
