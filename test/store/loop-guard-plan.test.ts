// The loop guard's read must stay index lookups whose cost does not grow with a record's history
// (invariant 3): checked on the query plans, not on timings. Each workflow's last run is one probe
// into the partial index executions_last_run (migration 4), from its newest end; nothing scans
// the executions table.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { Q as PG } from '../../src/store/postgres/queries.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { Q as SQLITE } from '../../src/store/sqlite/queries.js';
import type { Store } from '../../src/store/port.js';
import type { NewExecution } from '../../src/domain/types.js';
import { describePostgres, freshSchemaName, pgUrl, withPgAdmin } from '../helpers/stores.js';

const IDS = ['wf-a', 'wf-b', 'wf-c'];

/** 3,000 executions of three workflows on one record, the newest two thirds skipped; one root change causes 1,000. */
async function history(store: Store): Promise<void> {
  const rows = Array.from({ length: 3000 }, (_, i): NewExecution => ({
    id: `e-${i}`, tenant: 't1', kind: 'workflow', workflowId: IDS[i % 3] as string, version: 1, triggerKey: `c-${i}`, stepId: '', parentId: null,
    recordType: 'deal', recordId: 'hot', lane: 't1/deal/hot', runAt: i, rootChangeId: i < 1000 ? 'root' : `c-${i}`, depth: 0, input: {}, createdAt: i,
    ...(i >= 1000 ? { status: 'skipped' as const, reason: 'loop guard', finishedAt: i } : {}),
  }));
  for (let i = 0; i < rows.length; i += 1000) {
    const slice = rows.slice(i, i + 1000);
    await store.transaction((tx) => tx.insertExecutions(slice));
  }
}

describe('loop guard read plan [sqlite]', () => {
  it('probes executions_last_run per workflow and counts the root through an index, scanning no table', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-plan-')), 'plan.db');
    const store = new SqliteStore({ path: file });
    await store.migrate();
    await history(store);
    await store.close();
    const db = openSqlite(file, { readonly: true });
    try {
      const params = { tenant: 't1', rootChangeId: 'root', countUpTo: 25, recordType: 'deal', recordId: 'hot', workflowIds: JSON.stringify(IDS) };
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SQLITE.loopGuardFacts}`).all(params) as { detail: string }[]).map((r) => r.detail);
      expect(plan).toContain('SEARCH e USING INDEX executions_last_run (tenant=? AND record_type=? AND record_id=? AND workflow_id=?)');
      expect(plan.some((d) => /SEARCH executions USING (COVERING )?INDEX executions_by(_tenant)?_root/.test(d))).toBe(true);
      expect(plan.filter((d) => /^SCAN (e|executions)\b/.test(d))).toEqual([]);
      // The partial index gives the order: no temporary b-tree to sort a record's whole history.
      expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
    } finally {
      db.close();
    }
  });
});

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; 'Scan Direction'?: string; Plans?: PlanNode[] }
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

await describePostgres('loop guard read plan [postgres]', () => {
  const schema = freshSchemaName('sy_plan');
  afterAll(() => withPgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)));

  it('walks executions_last_run backward, one row per workflow, with custom and generic plans; no sequential scan', async () => {
    const store = new PostgresStore({ url: pgUrl as string, schema });
    try {
      await store.migrate();
      await history(store);
    } finally {
      await store.close();
    }
    await withPgAdmin(async (c) => {
      await c.query(`SET search_path = ${schema}`);
      await c.query(`PREPARE guard(text, text, bigint, text, text, text[]) AS ${PG.loopGuardFacts}`);
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await c.query(`SET plan_cache_mode = ${mode}`);
        const [row] = (await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (FORMAT JSON) EXECUTE guard('t1', 'root', 25, 'deal', 'hot', '{${IDS.join(',')}}')`)).rows;
        const all = nodes((row as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan);
        const last = all.filter((n) => n['Index Name'] === 'executions_last_run');
        expect(last, mode).toHaveLength(1);
        expect(last[0]?.['Scan Direction'], mode).toBe('Backward');
        expect(all.some((n) => n['Node Type'] === 'Limit' && n.Plans?.[0]?.['Index Name'] === 'executions_last_run'), mode).toBe(true);
        expect(all.filter((n) => n['Node Type'] === 'Seq Scan' || n['Node Type'] === 'Sort'), mode).toEqual([]);
      }
    });
  });
});
