// Scale-out faults on PostgreSQL, with real processes: worker processes are killed with SIGKILL
// and restarted while they run executions, and every backend connection is terminated mid-run.
// Afterwards no execution is lost, none is left unfinished, and no data step was applied twice.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { USER } from '../helpers/engine.js';
import { describePostgres, freshSchemaName, pgUrl, withPgAdmin } from '../helpers/stores.js';
import { workerProcesses } from '../helpers/worker-processes.js';

const N = Number(process.env.SWITCHYARD_FAULT_N ?? 3000);
const WORKER = { concurrency: 8, batchSize: 16, lease: '3s', poll: '200ms', sweep: '1s' };

/** deal created -> count it (applied twice would make 2) -> create a follow-up task. */
const COUNTING = {
  id: 'count', name: 'count every deal once', object: 'deal', trigger: { on: 'created' },
  actions: [
    { id: 'count', type: 'record.update', set: { probability: 'has(record.probability) ? record.probability + 1.0 : 1.0' } },
    { id: 'task', type: 'record.create', object: 'task', set: { subject: '"follow up " + record.id', related_id: 'record.id' } },
  ],
};

const workers = workerProcesses();
const startWorker = (storeUrl: string, configFile: string): ChildProcess => workers.start(storeUrl, configFile);
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) { await e.stop(); await e.store.close().catch(() => undefined); }
});

async function engineOnSchema(schema: string, runWorker: boolean): Promise<Engine> {
  const engine = createEngine({ store: new PostgresStore({ url: pgUrl as string, schema }), config: resolveConfig({ worker: WORKER }), runWorker });
  await engine.start();
  engines.push(engine);
  return engine;
}

async function untilAllFinal(engine: Engine, total: number, timeoutMs: number, tick: () => void = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await engine.store.countExecutionsByStatus('default');
    const open = (counts.queued ?? 0) + (counts.running ?? 0);
    const all = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    if (all >= total && open === 0) return;
    if (Date.now() > deadline) throw new Error(`not final after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    tick();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every deal counted exactly once, every task created once, every execution succeeded. */
async function expectExactlyOnce(engine: Engine, total: number): Promise<void> {
  expect(await engine.store.countExecutionsByStatus('default')).toEqual({ succeeded: total });
  const deals = [];
  for (let after = ''; ;) {
    const page = await engine.store.listRecords('default', 'deal', 1000, after);
    deals.push(...page);
    if (page.length < 1000) break;
    after = page.at(-1)!.id;
  }
  expect(deals).toHaveLength(total);
  expect(deals.filter((d) => d.data.probability !== 1)).toEqual([]);
  expect(deals.every((d) => d.version === 2)).toBe(true);
  const tasks = await withPgAdmin(async (admin) => admin.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${(engine.store as PostgresStore).schema}.records WHERE type = 'task'`));
  expect(Number(tasks.rows[0]?.n)).toBe(total);
}

await describePostgres('scale-out faults', () => {
  it(`${N} executions on 2 worker processes, one SIGKILLed every ~2 s and restarted: none lost, none applied twice`, async () => {
    const schema = freshSchemaName('sy_kill');
    const storeUrl = `${pgUrl as string}${pgUrl?.includes('?') ? '&' : '?'}schema=${schema}`;
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-kill-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ worker: WORKER }));
    const loader = await engineOnSchema(schema, false);
    await loader.workflows.deploy('default', COUNTING);

    for (let i = 0; i < N; i++) await loader.records.create('default', 'deal', { name: `deal ${i}` }, USER, `deal-${String(i).padStart(5, '0')}`);
    let workers = [startWorker(storeUrl, configFile), startWorker(storeUrl, configFile)];

    let kills = 0;
    let lastKill = Date.now();
    await untilAllFinal(loader, N, 150_000, () => {
      if (Date.now() - lastKill < 1500 + Math.random() * 1000) return;
      lastKill = Date.now();
      const victim = Math.floor(Math.random() * workers.length);
      workers[victim]?.kill('SIGKILL');
      kills++;
      workers = workers.map((w, i) => (i === victim ? startWorker(storeUrl, configFile) : w));
    });
    process.stderr.write(`scale-out faults: ${kills} worker processes killed while running ${N} executions\n`);
    expect(kills).toBeGreaterThanOrEqual(2);
    await expectExactlyOnce(loader, N);
    // Kills interrupted executions mid-run: another worker resumed them after their lease ran out.
    const resumed = await withPgAdmin((admin) => admin.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.executions WHERE attempt > 1`));
    expect(Number(resumed.rows[0]?.n)).toBeGreaterThan(0);
    await withPgAdmin((admin) => admin.query(`DROP SCHEMA ${schema} CASCADE`));
  }, 200_000);

  it('all backend connections terminated three times mid-run: every execution still completes once', async () => {
    const schema = freshSchemaName('sy_term');
    const engine = await engineOnSchema(schema, true);
    await engine.workflows.deploy('default', COUNTING);
    const total = 600;
    let terminations = 0;
    for (let i = 0; i < total; i++) {
      await engine.records.create('default', 'deal', { name: `deal ${i}` }, USER, `deal-${i}`).catch(async () => {
        // The write's connection was killed under it: the caller retries, as a client would.
        await engine.records.create('default', 'deal', { name: `deal ${i}` }, USER, `deal-${i}`);
      });
      if (i % 200 === 100) {
        await withPgAdmin((admin) => admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'switchyard'`));
        terminations++;
      }
    }
    await untilAllFinal(engine, total, 60_000);
    expect(terminations).toBe(3);
    await expectExactlyOnce(engine, total);
    await engine.stop();
    await withPgAdmin((admin) => admin.query(`DROP SCHEMA ${schema} CASCADE`));
  }, 120_000);
});
