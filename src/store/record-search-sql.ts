// The shape of a record search in SQL, shared by both stores: filters, keyset cursor, order,
// count and the field indexes. Each backend supplies its dialect (how a field of a JSON document
// is read, how a parameter is written) in its own folder; the meaning is records/record-query.ts.
//
// Every value is a bound parameter. Field names are not: an expression index is only used when
// the query reads the field with the very expression the index was built on, a literal path
// ('$.stage', 'stage'), so a name goes into the SQL text, and only when it is a declared field
// (the caller checks against the object type) matching FIELD_NAME (checked again here).
import { createHash } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import { FIELD_NAME, type Comparable, type FieldIndex, type FieldKind, type FilterOp, type RecordFilterQuery, type RecordQuery } from '../records/record-query.js';

export interface RecordSqlDialect {
  /** The n-th (1-based) bound parameter. */
  placeholder(n: number): string;
  /** The field read as its kind, null when unset or of another JSON type; also the index expression. */
  field(field: string, kind: FieldKind): string;
  /** A value as the driver binds it (SQLite has no boolean). */
  bind(value: Comparable): unknown;
}

export interface BuiltSql {
  text: string;
  values: unknown[];
}

const OPERATORS: Record<Exclude<FilterOp, 'ne'>, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

export function checkedFieldName(field: string): string {
  if (!FIELD_NAME.test(field)) throw new SwitchyardError('INTERNAL', `field name ${JSON.stringify(field)} cannot be used in a query`);
  return field;
}

class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: RecordSqlDialect) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

function whereClauses(q: RecordFilterQuery, d: RecordSqlDialect, p: Params): string[] {
  const clauses = [`tenant = ${p.add(q.tenant)}`, `type = ${p.add(q.type)}`];
  for (const f of q.filters) {
    const expr = d.field(checkedFieldName(f.field), f.kind);
    const value = p.add(d.bind(f.value));
    // ne keeps records without the field, as records/record-query.ts matchesFilter does.
    clauses.push(f.op === 'ne' ? `(${expr} IS NULL OR ${expr} <> ${value})` : `${expr} ${OPERATORS[f.op]} ${value}`);
  }
  return clauses;
}

function sortExpression(q: RecordQuery, d: RecordSqlDialect): string | undefined {
  const key = q.sort.key;
  if (!key) return undefined;
  if ('column' in key) return key.column === 'created_at' ? 'created_at' : 'updated_at';
  return d.field(checkedFieldName(key.field), key.kind);
}

/** One page: filters, then only rows after the cursor, in sort order (unset values last), id as tiebreak. */
export function findRecordsSql(q: RecordQuery, d: RecordSqlDialect): BuiltSql {
  const p = new Params(d);
  const clauses = whereClauses(q, d, p);
  const key = sortExpression(q, d);
  const [gt, dir] = q.sort.descending ? ['<', 'DESC'] : ['>', 'ASC'];
  if (q.after) {
    const id = p.add(q.after.id);
    if (!key) clauses.push(`id ${gt} ${id}`);
    else if (q.after.value === null) clauses.push(`(${key} IS NULL AND id ${gt} ${id})`);
    else {
      const value = p.add(d.bind(q.after.value));
      clauses.push(`(${key} ${gt} ${value} OR (${key} = ${value} AND id ${gt} ${id}) OR ${key} IS NULL)`);
    }
  }
  const order = key ? `${key} ${dir} NULLS LAST, id ${dir}` : `id ${dir}`;
  const limit = p.add(q.limit);
  return { text: `SELECT * FROM records WHERE ${clauses.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`, values: p.values };
}

export function countRecordsSql(q: RecordFilterQuery, d: RecordSqlDialect): BuiltSql {
  const p = new Params(d);
  const clauses = whereClauses(q, d, p);
  return { text: `SELECT count(*) AS n FROM records WHERE ${clauses.join(' AND ')}`, values: p.values };
}

const KIND_SUFFIX: Record<FieldKind, string> = { text: 'text', number: 'num', boolean: 'bool' };

/**
 * One index per field and kind, over all types (a type's field of the same name and kind shares
 * it): (tenant, type, the field expression). Not partial per type: a partial index is only used
 * when the query names the type as a literal, and the type is a bound parameter.
 */
export function fieldIndexName(index: FieldIndex): string {
  const name = `records_by_${checkedFieldName(index.field)}_${KIND_SUFFIX[index.kind]}`;
  if (name.length <= 63) return name;
  // PostgreSQL truncates identifiers at 63 bytes; a hash keeps long names distinct.
  return `${name.slice(0, 50)}_${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

export function createFieldIndexSql(index: FieldIndex, d: RecordSqlDialect): string {
  return `CREATE INDEX IF NOT EXISTS ${fieldIndexName(index)} ON records (tenant, type, (${d.field(checkedFieldName(index.field), index.kind)}))`;
}

/** The declared indexes, each (field, kind) once, in a stable order. */
export function distinctIndexes(indexes: readonly FieldIndex[]): FieldIndex[] {
  const byName = new Map(indexes.map((i) => [fieldIndexName(i), i]));
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, i]) => i);
}
