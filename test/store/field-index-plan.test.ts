// A field index declared in config is used: each store's query planner reads it for a filter on
// that field (EXPLAIN of the very SQL the store sends), and does not without it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FieldIndex, RecordQuery } from '../../src/records/record-query.js';
import { findRecordsSql } from '../../src/store/record-search-sql.js';
import { namedParams, sqliteRecordDialect } from '../../src/store/sqlite/record-search.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { postgresRecordDialect } from '../../src/store/postgres/record-search.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { describePostgres, makePostgresStore, withPgAdmin } from '../helpers/stores.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';

const INDEXES: FieldIndex[] = [{ field: 'stage', kind: 'text' }, { field: 'amount', kind: 'number' }];
const byStage: RecordQuery = {
  tenant: 't', type: 'deal', filters: [{ field: 'stage', kind: 'text', op: 'eq', value: 'Stage 7' }], sort: { descending: false }, limit: 100,
};
const byAmount: RecordQuery = {
  tenant: 't', type: 'deal', filters: [{ field: 'amount', kind: 'number', op: 'gte', value: 4990 }], sort: { descending: false }, limit: 100,
};
const ROWS = 5000;

describe('field indexes on SQLite', () => {
  async function plan(withIndexes: boolean, query: RecordQuery): Promise<string> {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-plan-')), 'store.db');
    const store = new SqliteStore({ path });
    await store.migrate();
    if (withIndexes) await store.ensureFieldIndexes(INDEXES);
    await store.close();
    const db = openSqlite(path);
    try {
      db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
        INSERT INTO records (tenant, type, id, version, data, created_at, updated_at) SELECT 't', 'deal', 'd' || i, 1, json_object('stage', 'Stage ' || (i % 50), 'amount', i), 0, 0 FROM n`).run();
      db.exec('ANALYZE');
      const sql = findRecordsSql(query, sqliteRecordDialect);
      expect(db.prepare(sql.text).all(namedParams(sql)).length).toBeGreaterThan(0);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql.text}`).all(namedParams(sql)) as { detail: string }[]).map((r) => r.detail).join('\n');
    } finally {
      db.close();
    }
  }

  it('uses records_by_stage_text for stage = ?', async () => {
    expect(await plan(true, byStage)).toMatch(/USING INDEX records_by_stage_text/);
    // A range sorted by id: node:sqlite's SQLite (3.54, no stat4) may walk the primary key in id
    // order instead (README, "Finding records"); PostgreSQL uses the index (below).
    expect(await plan(true, byAmount)).toMatch(/USING INDEX (records_by_amount_num|sqlite_autoindex_records_1)/);
  });

  it('has no such index to use when none is declared', async () => {
    expect(await plan(false, byStage)).not.toMatch(/records_by_/);
  });
});

await describePostgres('field indexes on PostgreSQL', () => {
  async function plan(store: PostgresStore, query: RecordQuery): Promise<string> {
    return withPgAdmin(async (admin) => {
      await admin.query(`SET search_path TO ${store.schema}`);
      await admin.query(`INSERT INTO records (tenant, type, id, version, data, created_at, updated_at) SELECT 't', 'deal', 'd' || i, 1, jsonb_build_object('stage', 'Stage ' || (i % 50), 'amount', i), 0, 0
        FROM generate_series(1, ${ROWS}) AS i`);
      await admin.query('ANALYZE records');
      const sql = findRecordsSql(query, postgresRecordDialect);
      expect((await admin.query(sql.text, sql.values)).rowCount).toBeGreaterThan(0);
      return (await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql.text}`, sql.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('uses records_by_stage_text for stage = $3 and records_by_amount_num for amount >= $3', async () => {
    const store = await makePostgresStore();
    expect(await store.ensureFieldIndexes(INDEXES)).toEqual(['records_by_amount_num', 'records_by_stage_text']);
    expect(await plan(store, byStage)).toMatch(/Index Scan using records_by_stage_text|Bitmap Index Scan on records_by_stage_text/);
    await withPgAdmin((admin) => admin.query(`TRUNCATE ${store.schema}.records`));
    expect(await plan(store, byAmount)).toMatch(/Index Scan using records_by_amount_num|Bitmap Index Scan on records_by_amount_num/);
    await withPgAdmin((admin) => admin.query(`DROP INDEX ${store.schema}.records_by_stage_text, ${store.schema}.records_by_amount_num`));
  });

  it('has no such index to use when none is declared', async () => {
    const store = await makePostgresStore();
    expect(await plan(store, byStage)).not.toMatch(/records_by_/);
  });
});
