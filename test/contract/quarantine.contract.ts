// Contract: poison-pill containment. Leases that ran out without a checkpoint are counted, the
// N-th dead-letters the execution in the sweep (with its alert), and a suspect is claimed alone.
// The crashed state is written directly: claim under a short lease, then sweep past it.
import { expect, it } from 'vitest';
import type { Store, SweepPolicy } from '../../src/store/port.js';
import type { ExecutionRow } from '../../src/domain/types.js';
import { claim, insertExecutions, newExecution, type StoreHarness, T0 } from './fixtures.js';

const LEASE = 1000;

const policy = (max: number): SweepPolicy => ({
  maxLeaseExpiries: max,
  quarantine: (exec, now) => ({
    reason: `quarantined after ${exec.leaseExpiries}`,
    alert: {
      id: `alert-${exec.id}-${now}`, tenant: exec.tenant, kind: 'dead_letter', severity: 'critical',
      message: `${exec.id} quarantined`, details: { executionId: exec.id, code: 'EXECUTION_QUARANTINED' }, at: now,
    },
  }),
});

/** Claims the one ready execution at `now` and lets its lease run out: one simulated crash. */
async function crashOnce(store: Store, now: number, sweep: (at: number) => Promise<unknown> = (at) => store.sweepExpiredLeases(at)): Promise<ExecutionRow> {
  const [row] = await claim(store, 'w1', now, 1, LEASE);
  if (!row) expect.fail('claimed nothing');
  await sweep(now + LEASE + 1);
  return row;
}

export function quarantineContract(h: StoreHarness): void {
  it('counts a lease that ran out on each sweep; a heartbeat keeps the count, a checkpoint or a finish clears it', async () => {
    const store = await h.open();
    const e = newExecution({ tenant: 't1' });
    await insertExecutions(store, [e]);
    expect((await claim(store, 'w1', T0, 1, LEASE))[0]?.leaseExpiries).toBe(0);
    expect(await store.sweepExpiredLeases(T0 + LEASE + 1)).toBe(1);
    expect(await store.getExecution('t1', e.id)).toMatchObject({ status: 'queued', leaseExpiries: 1 });

    let t = T0 + 10_000;
    const [again] = await claim(store, 'w1', t, 1, LEASE);
    expect(again).toMatchObject({ id: e.id, leaseExpiries: 1, attempt: 2 });
    expect(await store.heartbeat('w1', [{ executionId: e.id, attempt: 2 }], t + 500, LEASE)).toEqual([]);
    expect(await store.sweepExpiredLeases(t + LEASE + 1)).toBe(0); // the heartbeat extended it
    expect(await store.sweepExpiredLeases(t + 500 + LEASE + 1)).toBe(1);
    expect((await store.getExecution('t1', e.id))?.leaseExpiries).toBe(2);

    t += 10_000;
    const [third] = await claim(store, 'w1', t, 1, LEASE);
    if (!third) expect.fail('claimed nothing');
    await store.transaction(async (tx) => {
      await tx.checkLease({ executionId: e.id, attempt: third.attempt });
      await tx.saveStep({ executionId: e.id, stepId: 'a', attempt: third.attempt, status: 'succeeded', output: null, error: null, startedAt: t, finishedAt: t });
    });
    expect((await store.getExecution('t1', e.id))?.leaseExpiries).toBe(0);
    await store.sweepExpiredLeases(t + LEASE + 1);
    expect((await store.getExecution('t1', e.id))?.leaseExpiries).toBe(1);

    t += 10_000;
    const [fourth] = await claim(store, 'w1', t, 1, LEASE);
    if (!fourth) expect.fail('claimed nothing');
    await store.transaction((tx) => tx.finishExecution({ executionId: e.id, attempt: fourth.attempt }, { status: 'queued', reason: 'waiting', runAt: t }));
    expect(await store.getExecution('t1', e.id)).toMatchObject({ status: 'queued', leaseExpiries: 0 });
  });

  it('the N-th expiry dead-letters the execution with the policy\'s reason and alert, and frees its lane', async () => {
    const store = await h.open();
    const culprit = newExecution({ tenant: 't1', recordId: 'r' });
    const behind = newExecution({ tenant: 't1', recordId: 'r' }); // same lane, queued after it
    await insertExecutions(store, [culprit, behind]);
    const sweep = (at: number) => store.sweepLeases(at, policy(3));
    const results = [];
    for (let i = 0; i < 3; i++) {
      const t = T0 + i * 10_000;
      const [row] = await claim(store, 'w1', t, 10, LEASE);
      expect(row?.id).toBe(culprit.id);
      results.push(await sweep(t + LEASE + 1));
    }
    expect(results.slice(0, 2)).toEqual([{ requeued: 1, quarantined: [] }, { requeued: 1, quarantined: [] }]);
    const at = T0 + 20_000 + LEASE + 1;
    const [quarantined] = results[2]?.quarantined ?? [];
    expect(results[2]?.requeued).toBe(0);
    expect(quarantined?.execution).toMatchObject({
      id: culprit.id, status: 'failed', reason: 'quarantined after 3', leaseExpiries: 3, finishedAt: at, leaseUntil: null, workerId: null,
    });
    expect(await store.getExecution('t1', culprit.id)).toEqual(quarantined?.execution);
    expect(await store.listAlerts('t1', 10)).toEqual([quarantined?.alert]);
    expect(quarantined?.alert).toMatchObject({ kind: 'dead_letter', details: { executionId: culprit.id, code: 'EXECUTION_QUARANTINED' } });
    expect((await claim(store, 'w1', at, 10, LEASE)).map((r) => r.id)).toEqual([behind.id]); // its lane is free
    expect(await sweep(at + LEASE + 1)).toEqual({ requeued: 1, quarantined: [] }); // a first expiry of its own: requeued
    expect(await store.getExecution('t1', behind.id)).toMatchObject({ status: 'queued', leaseExpiries: 1 });
  });

  it('without a policy the sweep only requeues, however often the lease ran out', async () => {
    const store = await h.open();
    const e = newExecution({ tenant: 't1' });
    await insertExecutions(store, [e]);
    for (let i = 0; i < 4; i++) await crashOnce(store, T0 + i * 10_000);
    expect(await store.getExecution('t1', e.id)).toMatchObject({ status: 'queued', leaseExpiries: 4 });
    expect(await store.listAlerts('t1', 10)).toEqual([]);
  });

  it('claims a suspect alone, and only when not busy; a busy claim gets the innocents only', async () => {
    const store = await h.open();
    const suspect = newExecution({ tenant: 't1', runAt: T0 });
    await insertExecutions(store, [suspect]);
    await crashOnce(store, T0);
    const innocents = Array.from({ length: 5 }, (_, i) => newExecution({ tenant: i % 2 === 0 ? 't1' : 't2', runAt: T0 - 100 + i }));
    await insertExecutions(store, innocents);
    const now = T0 + 10_000;

    const ids = (rows: ExecutionRow[]) => rows.map((r) => r.id).sort();
    const busy = await store.claimExecutions({ workerId: 'busy', now, limit: 3, leaseMs: LEASE, busy: true });
    expect(ids(busy)).toEqual(ids(innocents.slice(0, 3) as ExecutionRow[])); // the oldest innocents; never the suspect
    const alone = await store.claimExecutions({ workerId: 'idle', now, limit: 10, leaseMs: LEASE });
    expect(alone.map((r) => [r.id, r.leaseExpiries])).toEqual([[suspect.id, 1]]); // two older innocents wait: it runs alone
    const rest = await store.claimExecutions({ workerId: 'busy', now, limit: 10, leaseMs: LEASE, busy: true });
    expect(ids(rest)).toEqual(ids(innocents.slice(3) as ExecutionRow[]));
  });

  it('a suspect whose lane is busy blocks no one; batches never hold a suspect', async () => {
    const store = await h.open();
    const suspect = newExecution({ tenant: 't1', recordId: 'r', runAt: T0 });
    await insertExecutions(store, [suspect]);
    await crashOnce(store, T0);
    const now = T0 + 10_000;
    const [alone] = await claim(store, 'w1', now, 10, LEASE);
    expect(alone?.id).toBe(suspect.id);
    await store.sweepExpiredLeases(now + LEASE + 1); // crashed again: 2 expiries, queued again
    const innocent = newExecution({ tenant: 't1', recordId: 'other', runAt: now });
    await insertExecutions(store, [innocent]);
    const later = now + 20_000;
    expect((await claim(store, 'w1', later, 10, LEASE)).map((r) => [r.id, r.leaseExpiries])).toEqual([[suspect.id, 2]]);
    // The suspect runs (its lane is busy), so it is not ready: a busy claim gets the innocent.
    const batch = await store.claimExecutions({ workerId: 'w2', now: later, limit: 10, leaseMs: LEASE, busy: true });
    expect(batch.map((r) => r.id)).toEqual([innocent.id]);
  });
}
