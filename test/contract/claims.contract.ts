// Contract: claims (runAt, one per lane, FIFO, tenant fairness), leases, sweeps, fencing, wake-ups.
import { expect, it } from 'vitest';
import { StaleLeaseError } from '../../src/errors.js';
import type { Store } from '../../src/store/port.js';
import type { ExecutionRow } from '../../src/domain/types.js';
import { backlog, claim, eventually, insertExecutions, newExecution, newRecord, type StoreHarness, succeed, T0 } from './fixtures.js';

export function claimContract(h: StoreHarness): void {
  it('claims only executions whose runAt has come, and marks them running under a lease', async () => {
    const store = await h.open();
    const due = newExecution({ tenant: 't1', runAt: T0 });
    const later = newExecution({ tenant: 't1', runAt: T0 + 1000 });
    await insertExecutions(store, [due, later]);
    const first = await store.claimExecutions({ workerId: 'w1', now: T0, limit: 10, leaseMs: 5000 });
    expect(first).toEqual([{
      ...due, status: 'running', attempt: 1, leaseUntil: T0 + 5000, workerId: 'w1', reason: null, startedAt: T0, finishedAt: null,
      leaseExpiries: 0, stopRequest: null, stoppedBy: null, stopReason: null,
    }]);
    expect(await claim(store, 'w1', T0 + 999)).toEqual([]);
    expect((await claim(store, 'w1', T0 + 1000)).map((r) => r.id)).toEqual([later.id]);
    expect(await claim(store, 'w1', T0 + 1000, 0)).toEqual([]);
  });

  it('runs one execution per lane at a time, in FIFO order within the lane (invariant 4)', async () => {
    const store = await h.open();
    const lane = (n: number) => newExecution({ tenant: 't1', recordId: 'busy', triggerKey: `busy-${n}` });
    const [e1, e2, e3, e4] = [lane(1), lane(2), lane(3), lane(4)];
    const other = newExecution({ tenant: 't1', recordId: 'calm' });
    await insertExecutions(store, [e1, e2]);
    await insertExecutions(store, [e3, other]);
    await insertExecutions(store, [e4]);
    const first = await claim(store, 'w1', T0, 10);
    expect(first.map((r) => r.id).sort()).toEqual([e1.id, other.id].sort());
    expect(await claim(store, 'w2', T0 + 1, 10)).toEqual([]); // the busy lane is running: nothing from it
    const order: string[] = [];
    let running = first.find((r) => r.id === e1.id);
    while (running) {
      order.push(running.id);
      await succeed(store, running);
      const claimed: ExecutionRow[] = await claim(store, 'w1', T0 + 2, 10);
      expect(claimed.length).toBeLessThanOrEqual(1);
      running = claimed[0];
    }
    expect(order).toEqual([e1, e2, e3, e4].map((e) => e.id));
  });

  it('claims the oldest ready work first across lanes', async () => {
    const store = await h.open();
    const newer = newExecution({ tenant: 't1', runAt: T0 - 10 });
    const oldest = newExecution({ tenant: 't1', runAt: T0 - 30 });
    const middle = newExecution({ tenant: 't1', runAt: T0 - 20 });
    await insertExecutions(store, [newer, oldest, middle]);
    expect((await claim(store, 'w1', T0, 2)).map((r) => r.id)).toEqual([oldest.id, middle.id]);
  });

  it('shares a batch among tenants: 2,000 ready for A cannot starve B\'s 10', async () => {
    const store = await h.open();
    await insertExecutions(store, backlog('tenant-a', 2000, 2000, T0 - 10_000)); // older, too
    const b = backlog('tenant-b', 10, 10, T0 - 100);
    await insertExecutions(store, b);
    const batch = await claim(store, 'w1', T0, 20);
    expect(batch).toHaveLength(20);
    expect(batch.filter((r) => r.tenant === 'tenant-b').map((r) => r.id).sort()).toEqual(b.map((r) => r.id).sort());
  });

  it('serves every tenant within two batches when more tenants have backlogs than a batch holds', async () => {
    const store = await h.open();
    const tenants = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    // Equal backlogs queued at the same instant: neither name order nor age alone would reach all 30.
    await insertExecutions(store, tenants.flatMap((t) => backlog(t, 5, 5, T0 - 100).map((e) => ({ ...e, runAt: T0 - 100 }))));
    const first = await claim(store, 'w1', T0, 20);
    const second = await claim(store, 'w1', T0, 20);
    expect(first).toHaveLength(20);
    expect(second).toHaveLength(20);
    expect(new Set(first.map((r) => r.tenant)).size).toBe(20); // one each: the batch is shared
    expect(new Set([...first, ...second].map((r) => r.tenant))).toEqual(new Set(tenants));
  });

  it('returns an expired lease to the queue on sweep; the reclaim increments the attempt', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1', recordId: 'r' }), newExecution({ tenant: 't1', recordId: 'r' })]);
    const [row] = await store.claimExecutions({ workerId: 'w1', now: T0, limit: 10, leaseMs: 1000 });
    if (!row) expect.fail('claimed nothing');
    expect(await store.sweepExpiredLeases(T0 + 1000)).toBe(0); // expires strictly after leaseUntil
    expect(await store.sweepExpiredLeases(T0 + 1001)).toBe(1);
    expect(await store.getExecution('t1', row.id)).toMatchObject({ status: 'queued', attempt: 1, leaseUntil: null, workerId: null });
    expect(await store.sweepExpiredLeases(T0 + 5000)).toBe(0);
    const [again] = await store.claimExecutions({ workerId: 'w2', now: T0 + 2000, limit: 10, leaseMs: 1000 });
    expect(again).toMatchObject({ id: row.id, attempt: 2, workerId: 'w2', leaseUntil: T0 + 3000 }); // still first in its lane
  });

  it('fences out a worker whose lease was taken over: its writes fail and change nothing', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1' })]);
    const [mine] = await store.claimExecutions({ workerId: 'w1', now: T0, limit: 1, leaseMs: 1000 });
    if (!mine) expect.fail('claimed nothing');
    await store.sweepExpiredLeases(T0 + 2000);
    const [theirs] = await store.claimExecutions({ workerId: 'w2', now: T0 + 2000, limit: 1, leaseMs: 1000 });
    expect(theirs).toMatchObject({ id: mine.id, attempt: 2 });
    const stale = { executionId: mine.id, attempt: mine.attempt };
    const writeAfterCheck = await store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'written-by-stale-worker'));
      await tx.checkLease(stale);
      await tx.saveStep({ executionId: mine.id, stepId: 's', attempt: 1, status: 'succeeded', output: null, error: null, startedAt: T0, finishedAt: T0 });
    }).catch((e: unknown) => e);
    expect(writeAfterCheck).toBeInstanceOf(StaleLeaseError);
    const finish = await store.transaction((tx) => tx.finishExecution(stale, { status: 'succeeded', finishedAt: T0 + 2500 })).catch((e: unknown) => e);
    expect(finish).toBeInstanceOf(StaleLeaseError);
    expect(await store.getRecord('t1', 'deal', 'written-by-stale-worker')).toBeUndefined();
    expect(await store.listSteps(mine.id)).toEqual([]);
    expect(await store.getExecution('t1', mine.id)).toMatchObject({ status: 'running', attempt: 2, workerId: 'w2', finishedAt: null });
    await store.transaction(async (tx) => {
      await tx.checkLease({ executionId: mine.id, attempt: 2 });
      await tx.finishExecution({ executionId: mine.id, attempt: 2 }, { status: 'succeeded', finishedAt: T0 + 2600 });
    });
    expect(await store.getExecution('t1', mine.id)).toMatchObject({ status: 'succeeded', finishedAt: T0 + 2600 });
  });

  it('never runs two executions of one lane at once under concurrent claimers, and runs each once in order', async () => {
    const store = await h.open();
    const claimers: Store[] = [store];
    for (let i = 1; i < 4; i++) claimers.push(h.openPeer ? await h.openPeer() : store);
    const rows = backlog('t1', 200, 20);
    await insertExecutions(store, rows, 50);
    const lanePosition = new Map(rows.map((r, i) => [r.id, i]));
    const running = new Map<string, string>(); // lane -> execution id, as the claimers see it
    const done: ExecutionRow[] = [];
    const overlaps: string[] = [];
    const loop = async (via: Store, worker: string): Promise<void> => {
      for (let idle = 0; idle < 20;) {
        const batch = await via.claimExecutions({ workerId: worker, now: T0 + 1000, limit: 5, leaseMs: 60_000 });
        if (batch.length === 0) {
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        idle = 0;
        for (const row of batch) {
          const other = running.get(row.lane);
          if (other) overlaps.push(`${row.lane}: ${other} and ${row.id}`);
          running.set(row.lane, row.id);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        for (const row of batch) {
          running.delete(row.lane); // before the commit that frees the lane, so no false alarm
          done.push(row);
          await succeed(via, row);
        }
      }
    };
    await Promise.all(claimers.map((via, i) => loop(via, `w${i}`)));
    expect(overlaps).toEqual([]);
    expect(done.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(done.every((r) => r.attempt === 1)).toBe(true);
    const byLane = new Map<string, number[]>();
    for (const row of done) byLane.set(row.lane, [...(byLane.get(row.lane) ?? []), lanePosition.get(row.id) ?? -1]);
    for (const positions of byLane.values()) expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(await store.countExecutionsByStatus('t1')).toEqual({ succeeded: 200 });
  });

  it('wakes listeners when executions are queued, and stops after unsubscribe', async () => {
    const store = await h.open();
    const peer = h.openPeer ? await h.openPeer() : store;
    let kept = 0;
    let dropped = 0;
    const unsubscribe = store.onWake(() => { dropped++; });
    peer.onWake(() => { kept++; });
    // Wake-ups may cross a network (LISTEN/NOTIFY): notify until one arrives.
    await eventually(async () => { await store.notifyQueued(); return kept > 0 && dropped > 0; });
    unsubscribe();
    const [keptBefore, droppedBefore] = [kept, dropped];
    await eventually(async () => { await store.notifyQueued(); return kept > keptBefore; });
    expect(dropped).toBe(droppedBefore);
  });
}
