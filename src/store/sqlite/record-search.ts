// SQLite's half of a record search (the shape is store/record-search-sql.ts): a field is read from
// the JSON text with json_extract, guarded by json_type so that a value of another JSON type counts
// as unset, exactly as PostgreSQL's jsonb reading does. The same text is the index expression.
import type { Comparable, FieldKind } from '../../records/record-query.js';
import type { BuiltSql, RecordSqlDialect } from '../record-search-sql.js';

const JSON_TYPES: Record<FieldKind, string> = { text: `= 'text'`, number: `IN ('integer', 'real')`, boolean: `IN ('true', 'false')` };

export const sqliteRecordDialect: RecordSqlDialect = {
  placeholder: (n) => `@p${n}`,
  field: (field, kind) => `CASE WHEN json_type(data, '$.${field}') ${JSON_TYPES[kind]} THEN json_extract(data, '$.${field}') END`,
  // json_extract reads true and false as 1 and 0.
  bind: (value: Comparable) => (typeof value === 'boolean' ? Number(value) : value),
};

/** The driver seam binds named parameters: @p1.. from the builder's positional values. */
export function namedParams(sql: BuiltSql): Record<string, unknown> {
  return Object.fromEntries(sql.values.map((v, i) => [`p${i + 1}`, v]));
}
