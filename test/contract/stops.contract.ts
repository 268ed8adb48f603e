// Holds, stop requests and bulk cancel (store/stops.ts), on both stores: a held execution leaves
// the claimable set without blocking its lane, nothing requeues it but a release (not a sweep, a
// breaker close or a replay), and a running one is told at its next fenced commit.
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/port.js';
import { claim, insertExecutions, LEASE_MS, newExecution, T0, type StoreHarness } from './fixtures.js';

const A = 'stop-a';
const hold = (store: Store, workflowId: string, actor = 'alice') => store.hold({ tenant: A, workflowId, actor, reason: `held by ${actor}`, at: T0 });
const status = async (store: Store, id: string) => (await store.getExecution(A, id))?.status;

export function stopsContract(h: StoreHarness): void {
  it('a hold moves queued executions out of the claim, keeps their lane open to other workflows, and a release brings them back', async () => {
    const store = await h.open();
    const held = newExecution({ tenant: A, workflowId: 'paused-wf', recordId: 'r1', runAt: T0 });
    const other = newExecution({ tenant: A, workflowId: 'other', recordId: 'r1', runAt: T0 + 1 }); // same lane, behind it
    await insertExecutions(store, [held, other]);
    expect((await hold(store, 'paused-wf')).counts).toEqual({ moved: 1, requested: 0 });
    expect(await hold(store, 'paused-wf', 'bob')).toMatchObject({ hold: { actor: 'alice' }, counts: { moved: 0 } }); // the first hold stays
    expect(await store.getExecution(A, held.id)).toMatchObject({ status: 'paused', stoppedBy: 'alice', stopReason: 'held by alice' });
    expect((await claim(store, 'w1', T0 + 1)).map((e) => e.id)).toEqual([other.id]);
    expect(await store.nextRunAt()).toBeUndefined();
    expect((await store.listHolds(A)).map((x) => x.workflowId)).toEqual(['paused-wf']);

    expect(await store.releaseHold(A, 'paused-wf', T0)).toEqual({ released: true, resumed: 1 });
    expect(await store.getExecution(A, held.id)).toMatchObject({ status: 'queued', stoppedBy: null, stopReason: null });
    expect(await claim(store, 'w1', T0 + 1)).toEqual([]); // its lane runs `other` (one at a time)
    await store.transaction((tx) => tx.finishExecution({ executionId: other.id, attempt: 1 }, { status: 'succeeded', finishedAt: T0 }));
    expect((await claim(store, 'w1', T0 + 1)).map((e) => e.id)).toEqual([held.id]);
    expect(await store.releaseHold(A, 'paused-wf', T0)).toEqual({ released: false, resumed: 0 });
  });

  it('the tenant-wide hold covers every workflow, and releasing one workflow\'s hold leaves what the tenant hold still covers', async () => {
    const store = await h.open();
    const rows = ['w1', 'w2'].map((workflowId) => newExecution({ tenant: A, workflowId }));
    const elsewhere = newExecution({ tenant: 'stop-b' });
    await insertExecutions(store, [...rows, elsewhere]);
    await hold(store, 'w1');
    expect((await hold(store, '*')).counts.moved).toBe(1);
    expect((await store.listHolds(A)).map((x) => x.workflowId)).toEqual(['*', 'w1']);
    expect(await store.releaseHold(A, 'w1', T0)).toEqual({ released: true, resumed: 0 });
    expect((await claim(store)).map((e) => e.id)).toEqual([elsewhere.id]);
    expect(await store.releaseHold(A, '*', T0)).toEqual({ released: true, resumed: 2 });
  });

  it('a running execution is asked, not moved; checkLease tells its worker; a swept lease carries the stop out', async () => {
    const store = await h.open();
    const [p, c] = [newExecution({ tenant: A, workflowId: 'wf' }), newExecution({ tenant: A, workflowId: 'wf' })];
    await insertExecutions(store, [p, c]);
    const running = await claim(store);
    expect(running).toHaveLength(2);
    expect((await hold(store, 'wf')).counts).toEqual({ moved: 0, requested: 2 });
    expect(await store.cancelMatching({ tenant: A, recordId: c.recordId, recordType: 'deal', statuses: ['running'] }, 'bob', 'no', T0)).toEqual({ moved: 0, requested: 1 });
    const lease = (id: string) => ({ executionId: id, attempt: 1 });
    expect(await store.transaction((tx) => tx.checkLease(lease(p.id)))).toEqual({ kind: 'pause', by: 'alice', reason: 'held by alice' });
    expect(await store.transaction((tx) => tx.checkLease(lease(c.id)))).toEqual({ kind: 'cancel', by: 'bob', reason: 'no' });
    // Their worker is gone: the sweep does what it was asked instead of requeueing.
    const swept = await store.sweepLeases(T0 + LEASE_MS + 1);
    expect(swept.requeued).toBeLessThanOrEqual(2);
    expect(await store.getExecution(A, p.id)).toMatchObject({ status: 'paused', stopRequest: null });
    expect(await store.getExecution(A, c.id)).toMatchObject({ status: 'cancelled', stoppedBy: 'bob', reason: 'no', finishedAt: T0 + LEASE_MS + 1 });
    expect(await claim(store, 'w1', T0 + 10 * LEASE_MS)).toEqual([]);
  });

  it('a breaker close and a dead-letter replay do not requeue held executions', async () => {
    const store = await h.open();
    const waiting = newExecution({ tenant: A, workflowId: 'wf', runAt: T0 + 60_000 });
    const dead = newExecution({ tenant: A, workflowId: 'wf' });
    await insertExecutions(store, [waiting, dead]);
    const claimed = await claim(store, 'w1', T0 + 60_000);
    for (const e of claimed) {
      await store.transaction((tx) => tx.finishExecution({ executionId: e.id, attempt: e.attempt }, e.id === waiting.id
        ? { status: 'queued', reason: 'waiting on breaker', runAt: T0 + 900_000, waitingOn: 'connector:hook' }
        : { status: 'failed', reason: 'boom', finishedAt: T0 }));
    }
    await hold(store, 'wf');
    expect(await status(store, waiting.id)).toBe('paused');
    expect(await store.releaseWaiting(A, 'connector:hook', T0 + 61_000)).toBe(0);
    expect(await store.requeueExecutions(A, [dead.id], ['failed'], T0)).toEqual([dead.id]);
    expect(await store.getExecution(A, dead.id)).toMatchObject({ status: 'paused', stoppedBy: 'alice' });
    // Released: the breaker-waiting one is due now and asks its breaker again.
    await store.releaseHold(A, 'wf', T0 + 61_000);
    expect(await store.getExecution(A, waiting.id)).toMatchObject({ status: 'queued', runAt: T0 + 61_000 });
  });

  it('cancelMatching moves exactly what every given field matches', async () => {
    const store = await h.open();
    const rows = [
      newExecution({ tenant: A, workflowId: 'a', recordId: 'x', rootChangeId: 'root-1' }),
      newExecution({ tenant: A, workflowId: 'a', recordId: 'y', rootChangeId: 'root-1' }),
      newExecution({ tenant: A, workflowId: 'b', recordId: 'x', rootChangeId: 'root-2' }),
      newExecution({ tenant: 'stop-b', workflowId: 'a', recordId: 'x', rootChangeId: 'root-1' }),
    ];
    await insertExecutions(store, rows);
    const all = ['queued', 'paused', 'running'] as const;
    expect(await store.cancelMatching({ tenant: A, workflowId: 'a', rootChangeId: 'root-1', recordType: 'deal', recordId: 'x', statuses: [...all] }, 'bob', 'r', T0)).toEqual({ moved: 1, requested: 0 });
    expect(await store.cancelMatching({ tenant: A, workflowId: 'a', statuses: ['paused'] }, 'bob', 'r', T0)).toEqual({ moved: 0, requested: 0 });
    expect(await store.cancelMatching({ tenant: A, rootChangeId: 'root-2', statuses: [...all] }, 'bob', 'r', T0)).toEqual({ moved: 1, requested: 0 });
    expect(await Promise.all(rows.map((r) => store.getExecution(r.tenant, r.id).then((e) => e?.status)))).toEqual(['cancelled', 'queued', 'cancelled', 'queued']);
  });
}
