// PostgreSQL under concurrent processes: inserts racing claims, finishes and sweeps on the same
// lanes must never strand an execution (a lane row that says "nothing queued" while work waits),
// and the lanes table keeps only live lanes.
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/port.js';
import type { ExecutionRow } from '../../src/domain/types.js';
import { describePostgres, makePostgresStore, withPgAdmin } from '../helpers/stores.js';
import { insertExecutions, newExecution, succeed, T0 } from './fixtures.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function laneRows(schema: string): Promise<number> {
  return withPgAdmin(async (admin) => (await admin.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${schema}.lanes`)).rows[0]?.n ?? -1);
}

await describePostgres('PostgresStore under concurrency', () => {
  it('strands no execution when inserts race claims and finishes on the same lanes', async () => {
    const stores = [await makePostgresStore(), await makePostgresStore(), await makePostgresStore()];
    const [first] = stores;
    if (!first) throw new Error('no store');
    const inserted: string[] = [];
    const finished = new Set<string>();
    const running = new Map<string, string>();
    const overlaps: string[] = [];
    let inserting = true;
    const inserter = async (via: Store, n: number): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        const rows = Array.from({ length: 1 + (i % 3) }, () => newExecution({ tenant: `t${n % 2}`, recordId: `r${Math.floor(Math.random() * 6)}` }));
        await insertExecutions(via, rows);
        inserted.push(...rows.map((r) => r.id));
        await pause(Math.random() * 3);
      }
    };
    const claimer = async (via: Store, worker: string): Promise<void> => {
      for (let idle = 0; inserting || idle < 30;) {
        const batch: ExecutionRow[] = await via.claimExecutions({ workerId: worker, now: T0 + 1000, limit: 4, leaseMs: 60_000 });
        if (batch.length === 0) { idle++; await pause(2); continue; }
        idle = 0;
        for (const row of batch) {
          if (running.has(row.lane)) overlaps.push(row.lane);
          running.set(row.lane, row.id);
        }
        await pause(Math.random() * 2);
        for (const row of batch) {
          running.delete(row.lane);
          finished.add(row.id);
          await succeed(via, row);
        }
      }
    };
    const inserters = Promise.all(stores.map((via, n) => inserter(via, n))).then(() => { inserting = false; });
    await Promise.all([inserters, ...stores.map((via, n) => claimer(via, `w${n}`)), claimer(first, 'w-extra')]);
    expect(overlaps).toEqual([]);
    expect(inserted.filter((id) => !finished.has(id))).toEqual([]);
    expect(finished.size).toBe(inserted.length);
    expect(await laneRows(first.schema)).toBe(0);
  });

  it('keeps only live lanes: the row goes with the last execution and comes back with new work', async () => {
    const store = await makePostgresStore();
    const one = newExecution({ tenant: 't1', recordId: 'r' });
    await insertExecutions(store, [one, newExecution({ tenant: 't1', recordId: 'r' })]);
    expect(await laneRows(store.schema)).toBe(1);
    for (let round = 0; round < 2; round++) {
      const [row] = await store.claimExecutions({ workerId: 'w', now: T0, limit: 5, leaseMs: 1000 });
      await succeed(store, row ?? expect.fail('claimed nothing'));
    }
    expect(await laneRows(store.schema)).toBe(0);
    // Swept work keeps its lane; cancelled work leaves a stale lane that the next claim clears.
    await insertExecutions(store, [newExecution({ tenant: 't1', recordId: 'r' })]);
    const [leased] = await store.claimExecutions({ workerId: 'w', now: T0, limit: 5, leaseMs: 1000 });
    expect(await store.sweepExpiredLeases(T0 + 5000)).toBe(1);
    expect(await laneRows(store.schema)).toBe(1);
    expect(await store.cancelExecutions('t1', [leased?.id ?? ''], ['queued'], 'stop', T0 + 5000)).toHaveLength(1);
    expect(await store.claimExecutions({ workerId: 'w', now: T0 + 5000, limit: 5, leaseMs: 1000 })).toEqual([]);
    expect(await laneRows(store.schema)).toBe(0);
  });
});
