// A SIGKILL in the middle of a batch commit (issue 9): a worker process dies inside the one
// transaction that ends several executions at once, after their steps and finishes were sent and
// before COMMIT. The database rolls the whole batch back; another worker runs those executions
// again once their leases ran out; in the end every execution succeeded and every data step was
// applied exactly once. On both stores, with a real process killed by a real signal.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { openStore } from '../../src/store/open.js';
import { USER } from '../helpers/engine.js';
import { describePostgres, freshSchemaName, pgUrl, withPgAdmin } from '../helpers/stores.js';

const N = 120;
/** One data step: the batch runner ends these in its own transaction (a double apply makes 2). */
const COUNT_ONCE = {
  id: 'count', name: 'count every deal once', object: 'deal', trigger: { on: 'created' },
  actions: [{ id: 'count', type: 'record.update', set: { probability: 'has(record.probability) ? record.probability + 1.0 : 1.0' } }],
};

function runKilledWorker(location: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/scale/children/batch-kill-worker.ts', location], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal, stderr })));
}

async function engineOn(location: string, runWorker: boolean): Promise<Engine> {
  const engine = createEngine({ store: await openStore(location), config: resolveConfig({ worker: { lease: '1s', sweep: '200ms', poll: '20ms' } }), runWorker });
  await engine.start();
  return engine;
}

function suite(newLocation: () => string, dispose: (location: string) => Promise<void>): void {
  it(`${N} one-step executions, the worker killed before its first batch committed: none lost, none applied twice`, async () => {
    const location = newLocation();
    const loader = await engineOn(location, false);
    try {
      await loader.workflows.deploy('default', COUNT_ONCE);
      await loader.records.writeMany('default', Array.from({ length: N }, (_, i) => ({
        op: 'create' as const, tenant: 'default', type: 'deal', id: `deal-${String(i).padStart(3, '0')}`, data: { name: `deal ${i}` }, actor: USER,
      })));
      const killed = await runKilledWorker(location);
      expect(killed.signal).toBe('SIGKILL');
      const batch = Number(/killing (\d+)/.exec(killed.stderr)?.[1]);
      expect(batch).toBeGreaterThan(1);
      // Nothing of the killed batch committed: its executions are still running under dead leases.
      const counts = await loader.store.countExecutionsByStatus('default');
      expect(counts.succeeded ?? 0).toBeLessThanOrEqual(N - batch);

      const rescuer = await engineOn(location, true);
      try {
        for (let waited = 0; ; waited += 50) {
          const now = await rescuer.store.countExecutionsByStatus('default');
          if ((now.succeeded ?? 0) === N) break;
          if (waited > 60_000) throw new Error(`not done: ${JSON.stringify(now)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await rescuer.stop();
        await rescuer.store.close();
      }
      const deals = await loader.store.listRecords('default', 'deal', 1000);
      expect(deals).toHaveLength(N);
      expect(deals.filter((d) => d.data.probability !== 1 || d.version !== 2)).toEqual([]);
      const execs = await loader.store.listExecutions({ tenant: 'default', limit: 1000 });
      expect(execs.filter((e) => e.attempt > 1).length).toBeGreaterThanOrEqual(batch);
    } finally {
      await loader.stop();
      await loader.store.close();
    }
    await dispose(location);
  }, 120_000);
}

describe('SIGKILL inside a batch commit [sqlite]', () => {
  suite(() => join(mkdtempSync(join(tmpdir(), 'switchyard-batch-kill-')), 'store.db'), async () => undefined);
});

await describePostgres('SIGKILL inside a batch commit [postgres]', () => {
  let schema = '';
  suite(() => {
    schema = freshSchemaName('sy_batch_kill');
    return `${pgUrl as string}${pgUrl?.includes('?') ? '&' : '?'}schema=${schema}`;
  }, async () => { await withPgAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)); });
});
