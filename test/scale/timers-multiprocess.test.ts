// Exactly once across processes: 10,000 relative-date timers due in the same minute, fired by the
// schedulers of two worker processes on one PostgreSQL database, one of them SIGKILLed while they
// fire (and started again). Every timer fires once: one execution per timer, each with its own
// occurrence key, no timer left scheduled, no fire skipped. The executions check their condition on
// the deal as it is then and skip (the cheapest run there is: the test is about the fires).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { USER } from '../helpers/engine.js';
import { describePostgres, freshSchemaName, pgUrl, withPgAdmin } from '../helpers/stores.js';
import { workerProcesses } from '../helpers/worker-processes.js';

const N = Number(process.env.SWITCHYARD_TIMER_N ?? 10_000);
const WORKER = { concurrency: 16, batchSize: 32, lease: '3s', poll: '200ms', sweep: '1s' };

/** Three days before close_date: every deal below closes at the same instant, so all are due at once. */
const COUNT_ON_TIMER = {
  id: 'count-timer', name: 'count each timer fire', object: 'deal',
  trigger: { on: 'date', field: 'close_date', offset: '-3d' },
  conditions: ['record.stage == "Closed Won"'],
  actions: [{ id: 'count', type: 'record.update', set: { probability: '1.0' } }],
};

const workers = workerProcesses();
const startWorker = (storeUrl: string, configFile: string): ChildProcess => workers.start(storeUrl, configFile);
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) { await e.stop(); await e.store.close().catch(() => undefined); }
});

async function count(schema: string, sql: string): Promise<number> {
  return withPgAdmin(async (admin) => Number((await admin.query<{ n: string }>(sql.replaceAll('$schema', schema))).rows[0]?.n));
}

await describePostgres('timers across processes', () => {
  it(`${N} timers due in the same minute on 2 processes, one SIGKILLed mid-run: each fires once`, async () => {
    const schema = freshSchemaName('sy_timers');
    const storeUrl = `${pgUrl as string}${pgUrl?.includes('?') ? '&' : '?'}schema=${schema}`;
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-timers-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ worker: WORKER }));
    // The loader writes "yesterday" (its own clock), so the timers are in the future when computed
    // and due now for the workers, which run on the real clock.
    const due = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    const loader = createEngine({ store: new PostgresStore({ url: pgUrl as string, schema }), config: resolveConfig({}), clock: new ManualClock(due - 86_400_000), runWorker: false });
    await loader.start();
    engines.push(loader);
    await loader.workflows.deploy('default', COUNT_ON_TIMER);
    const closeDate = new Date(due + 3 * 86_400_000).toISOString();
    // The write path computes timers one write at a time (test/scheduling/timers.test.ts shows it);
    // here 10,000 deals and their timers are written as state in two statements, to keep the test short.
    const loading = Date.now();
    await withPgAdmin(async (admin) => {
      await admin.query(`INSERT INTO ${schema}.records (tenant, type, id, version, data, created_at, updated_at)
        SELECT 'default', 'deal', 'deal-' || lpad(i::text, 5, '0'), 1, jsonb_build_object('name', 'deal ' || i, 'close_date', $1::text), $2, $2
        FROM generate_series(0, $3 - 1) AS i`, [closeDate, due - 86_400_000, N]);
      await admin.query(`INSERT INTO ${schema}.timers (tenant, workflow_id, version, record_type, record_id, due_at, anchor, status, reason, updated_at)
        SELECT 'default', 'count-timer', 1, 'deal', id, $1, $2, 'scheduled', NULL, $3 FROM ${schema}.records WHERE type = 'deal'`, [due, closeDate, due - 86_400_000]);
    });
    // One more through the write path, so the state above is what it writes.
    await loader.records.create('default', 'deal', { name: 'written', close_date: closeDate }, USER, 'deal-written');
    const [written] = await loader.store.timers.listTimers({ tenant: 'default', recordId: 'deal-written', limit: 1 });
    expect([written?.dueAt, written?.status, written?.anchor]).toEqual([due, 'scheduled', closeDate]);
    const total = N + 1;
    process.stderr.write(`timers across processes: ${N} deals written with their timers in ${Date.now() - loading} ms\n`);
    expect(await count(schema, `SELECT COUNT(*) AS n FROM $schema.timers WHERE status = 'scheduled' AND due_at = ${due}`)).toBe(total);
    const firing = Date.now();

    const workers = [startWorker(storeUrl, configFile), startWorker(storeUrl, configFile)];
    // Kill one while the timers are being fired (some fired, not all).
    const deadline = Date.now() + 90_000;
    let killedAt = -1;
    while (Date.now() < deadline) {
      const fired = await count(schema, `SELECT COUNT(*) AS n FROM $schema.timers WHERE status <> 'scheduled'`);
      if (fired > 0) {
        workers[0]?.kill('SIGKILL');
        killedAt = fired;
        workers[0] = startWorker(storeUrl, configFile);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.stderr.write(`timers across processes: one worker SIGKILLed with ${killedAt} of ${total} timers fired\n`);
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(total);

    for (;;) {
      const counts = await loader.store.countExecutionsByStatus('default');
      const open = (counts.queued ?? 0) + (counts.running ?? 0);
      const scheduled = await count(schema, `SELECT COUNT(*) AS n FROM $schema.timers WHERE status = 'scheduled'`);
      if (scheduled === 0 && open === 0 && (counts.skipped ?? 0) >= total) break;
      if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(counts)}, ${scheduled} timers scheduled`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    process.stderr.write(`timers across processes: all fired and run in ${Date.now() - firing} ms\n`);
    expect(await loader.store.countExecutionsByStatus('default')).toEqual({ skipped: total });
    expect(await count(schema, `SELECT COUNT(DISTINCT trigger_key) AS n FROM $schema.executions WHERE occurrence_kind = 'timer'`)).toBe(total);
    expect(await count(schema, `SELECT COUNT(*) AS n FROM $schema.timers WHERE status = 'fired'`)).toBe(total);
    expect(await count(schema, `SELECT COUNT(DISTINCT record_id) AS n FROM $schema.executions WHERE occurrence_kind = 'timer' AND reason LIKE '%Closed Won%'`)).toBe(total);
    expect(await count(schema, `SELECT COUNT(*) AS n FROM $schema.skipped_fires`)).toBe(0);
    await withPgAdmin((admin) => admin.query(`DROP SCHEMA ${schema} CASCADE`));
  }, 110_000);
});
