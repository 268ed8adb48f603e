// PostgreSQL's half of a record search (the shape is store/record-search-sql.ts): a field is read
// from jsonb, guarded by jsonb_typeof so that a value of another JSON type counts as unset (and a
// cast can never fail a query), text compared in the "C" collation: byte order, as SQLite
// compares. Every function used is immutable, so the same text is the index expression.
import type { Comparable, FieldKind } from '../../records/record-query.js';
import type { RecordSqlDialect } from '../record-search-sql.js';

const READ: Record<FieldKind, { jsonType: string; value: (field: string) => string }> = {
  text: { jsonType: 'string', value: (f) => `(data ->> '${f}') COLLATE "C"` },
  number: { jsonType: 'number', value: (f) => `(data -> '${f}')::float8` },
  boolean: { jsonType: 'boolean', value: (f) => `(data -> '${f}')::boolean` },
};

export const postgresRecordDialect: RecordSqlDialect = {
  placeholder: (n) => `$${n}`,
  field: (field, kind) => `CASE WHEN jsonb_typeof(data -> '${field}') = '${READ[kind].jsonType}' THEN ${READ[kind].value(field)} END`,
  bind: (value: Comparable) => value,
};
