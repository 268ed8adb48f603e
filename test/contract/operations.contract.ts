// Contract: loop-guard reads, alerts, the effect ledger, step attempts, breakers, and the
// operator's moves (dead-letter replay, cancel), including what they do to a lane.
import { expect, it } from 'vitest';
import { StaleLeaseError } from '../../src/errors.js';
import type { AlertRow, AttemptRow } from '../../src/domain/types.js';
import { claim, insertExecutions, newExecution, type StoreHarness, succeed, T0 } from './fixtures.js';

export function operationsContract(h: StoreHarness): void {
  it('reads the loop guard\'s facts for one write: the root change\'s count up to a cap, each workflow\'s last run on the record', async () => {
    const store = await h.open();
    await insertExecutions(store, [
      newExecution({ tenant: 't1', rootChangeId: 'root', workflowId: 'wf', recordId: 'r', createdAt: T0 + 1, lane: 'opt-out-1' }),
      newExecution({ tenant: 't1', rootChangeId: 'root', workflowId: 'wf', recordId: 'r', createdAt: T0 + 5, lane: 'opt-out-2' }),
      newExecution({ tenant: 't1', rootChangeId: 'root', workflowId: 'other', recordId: 'r', createdAt: T0 + 9 }),
      newExecution({ tenant: 't1', workflowId: 'wf', recordId: 'elsewhere', createdAt: T0 + 20 }),
      newExecution({ tenant: 't1', workflowId: 'wf', recordId: 'r', recordType: 'lead', createdAt: T0 + 21 }),
      newExecution({ tenant: 't2', rootChangeId: 'root', workflowId: 'wf', recordId: 'r', createdAt: T0 + 9 }),
    ]);
    const facts = (root: { changeId: string; countUpTo: number } | undefined, workflowIds: string[], tenant = 't1') =>
      store.transaction((tx) => tx.loopGuardFacts({ tenant, recordType: 'deal', recordId: 'r', workflowIds, ...(root ? { root } : {}) }));
    expect(await facts({ changeId: 'root', countUpTo: 25 }, ['wf', 'other', 'never'])).toEqual({
      causedByRoot: 3, lastRunAt: new Map([['wf', T0 + 5], ['other', T0 + 9]]),
    });
    // Counting stops at the cap (the guard only asks whether the budget is reached); no root, no count.
    expect((await facts({ changeId: 'root', countUpTo: 2 }, [])).causedByRoot).toBe(2);
    expect((await facts({ changeId: 'none', countUpTo: 25 }, [])).causedByRoot).toBe(0);
    expect(await facts(undefined, ['wf'])).toEqual({ causedByRoot: 0, lastRunAt: new Map([['wf', T0 + 5]]) });
    expect(await facts(undefined, [])).toEqual({ causedByRoot: 0, lastRunAt: new Map() });
    expect(await facts({ changeId: 'root', countUpTo: 25 }, ['wf'], 't3')).toEqual({ causedByRoot: 0, lastRunAt: new Map() });

    // A skipped execution did not run: it does not count for re-entry (counted for the budget, though).
    const latest = (await claim(store, 'w1', T0, 10)).find((r) => r.createdAt === T0 + 5);
    if (!latest) expect.fail('claimed the wrong executions');
    await store.transaction((tx) => tx.finishExecution({ executionId: latest.id, attempt: 1 }, { status: 'skipped', reason: 'no match' }));
    expect(await facts({ changeId: 'root', countUpTo: 25 }, ['wf'])).toEqual({ causedByRoot: 3, lastRunAt: new Map([['wf', T0 + 1]]) });
  });

  it('finds a workflow\'s last run under a long history of newer skipped executions on the record', async () => {
    const store = await h.open();
    const ids = Array.from({ length: 50 }, (_, i) => `wf-${String(i).padStart(2, '0')}`);
    // Per workflow: one queued run, then 40 newer ones the guard skipped (inserted as skipped, as the write path does).
    await insertExecutions(store, ids.flatMap((workflowId, w) => [
      newExecution({ tenant: 't1', workflowId, recordId: 'hot', createdAt: T0 + w }),
      ...Array.from({ length: 40 }, (_, k) => newExecution({
        tenant: 't1', workflowId, recordId: 'hot', createdAt: T0 + 1000 + k, status: 'skipped', reason: 'loop guard', finishedAt: T0 + 1000 + k,
      })),
    ]));
    const { lastRunAt } = await store.transaction((tx) => tx.loopGuardFacts({ tenant: 't1', recordType: 'deal', recordId: 'hot', workflowIds: [...ids, 'none'] }));
    expect(lastRunAt).toEqual(new Map(ids.map((id, w) => [id, T0 + w])));
  });

  it('inserts a write\'s alerts in one call, in order', async () => {
    const store = await h.open();
    const alert = (id: string): AlertRow => ({ id, tenant: 't1', kind: 'loop', severity: 'info', message: `stopped ${id}`, details: { path: ['a', id] }, at: T0 });
    await store.transaction(async (tx) => {
      await tx.insertAlerts([alert('x1'), alert('x2'), alert('x3')]);
      await tx.insertAlerts([]);
    });
    expect(await store.listAlerts('t1', 10)).toEqual([alert('x3'), alert('x2'), alert('x1')]);
  });

  it('keeps alerts per tenant, newest first', async () => {
    const store = await h.open();
    const alert = (id: string, tenant = 't1'): AlertRow => ({
      id, tenant, kind: 'dead_letter', severity: 'critical', message: `alert ${id}`, details: { executionId: id, n: [1] }, at: T0,
    });
    await store.transaction(async (tx) => {
      await tx.insertAlert(alert('a1'));
      await tx.insertAlert(alert('a2'));
      await tx.insertAlert(alert('b1', 't2'));
    });
    await store.transaction((tx) => tx.insertAlert({ ...alert('a3'), kind: 'loop', severity: 'warning' }));
    expect((await store.listAlerts('t1', 10)).map((a) => a.id)).toEqual(['a3', 'a2', 'a1']);
    expect(await store.listAlerts('t1', 1)).toEqual([{ ...alert('a3'), kind: 'loop', severity: 'warning' }]);
    expect(await store.listAlerts('t3', 10)).toEqual([]);
  });

  it('records an external effect once per idempotency key: the first write wins', async () => {
    const store = await h.open();
    const effect = { tenant: 't1', key: 'exe-1:notify', executionId: 'exe-1', stepId: 'notify', action: 'email.send', result: { messageId: 'm1' }, at: T0 };
    await store.transaction(async (tx) => {
      expect(await tx.getEffect('t1', effect.key)).toBeUndefined();
      await tx.saveEffect(effect);
    });
    await store.transaction((tx) => tx.saveEffect({ ...effect, result: { messageId: 'm2' }, at: T0 + 1 }));
    expect(await store.transaction((tx) => tx.getEffect('t1', effect.key))).toEqual(effect);
    expect(await store.transaction((tx) => tx.getEffect('t2', effect.key))).toBeUndefined();
  });

  it('lists a step\'s failed attempts in the order they happened', async () => {
    const store = await h.open();
    const attempt = (n: number, retryable: boolean): AttemptRow => ({
      executionId: 'exe-1', stepId: 'call', attempt: n, action: 'http.request', error: `failure ${n}`, code: retryable ? 'TIMEOUT' : 'HTTP_400',
      retryable, startedAt: T0 + n, finishedAt: T0 + n + 1,
    });
    await store.transaction(async (tx) => {
      await tx.recordAttempt(attempt(1, true));
      await tx.recordAttempt(attempt(2, false));
    });
    expect(await store.listAttempts('exe-1')).toEqual([attempt(1, true), attempt(2, false)]);
    expect(await store.listAttempts('exe-2')).toEqual([]);
  });

  it('serializes concurrent read-modify-writes of one breaker, even before its row exists', async () => {
    const store = await h.open();
    await Promise.all(Array.from({ length: 20 }, () => store.transaction(async (tx) => {
      const row = await tx.getBreaker('t1', 'connector:x');
      const n = ((row?.state as { n?: number } | undefined)?.n ?? 0) + 1;
      await tx.putBreaker({ tenant: 't1', key: 'connector:x', state: { n }, updatedAt: T0 });
    })));
    expect((await store.getBreaker('t1', 'connector:x'))?.state).toEqual({ n: 20 });
  });

  it('stores circuit breaker state per tenant and key', async () => {
    const store = await h.open();
    const open = { tenant: 't1', key: 'connector:smtp', state: { state: 'open', failures: 5, openedAt: T0 }, updatedAt: T0 };
    await store.transaction(async (tx) => {
      expect(await tx.getBreaker('t1', open.key)).toBeUndefined();
      await tx.putBreaker(open);
      await tx.putBreaker({ tenant: 't1', key: 'workflow:wf', state: { state: 'closed' }, updatedAt: T0 });
    });
    const closed = { ...open, state: { state: 'half_open' }, updatedAt: T0 + 60_000 };
    await store.transaction((tx) => tx.putBreaker(closed));
    expect(await store.getBreaker('t1', open.key)).toEqual(closed);
    expect(await store.transaction((tx) => tx.getBreaker('t1', open.key))).toEqual(closed);
    expect((await store.listBreakers('t1')).map((b) => b.key)).toEqual(['connector:smtp', 'workflow:wf']);
    expect(await store.listBreakers('t2')).toEqual([]);
    expect(await store.getBreaker('t2', open.key)).toBeUndefined();
  });

  it('releases the executions waiting on a breaker: due now, only that tenant and key, once', async () => {
    const store = await h.open();
    const later = T0 + 15 * 60_000;
    const [x, y, plain, other] = [
      newExecution({ tenant: 't1' }), newExecution({ tenant: 't1' }), newExecution({ tenant: 't1' }), newExecution({ tenant: 't2' }),
    ];
    await insertExecutions(store, [x, y, plain, other]);
    const claimed = await claim(store, 'w1', T0, 10);
    expect(claimed).toHaveLength(4);
    const waitOn = (id: string, waitingOn: string | undefined) => {
      const row = claimed.find((r) => r.id === id)!;
      return store.transaction((tx) => tx.finishExecution({ executionId: id, attempt: row.attempt },
        { status: 'queued', reason: `waiting: circuit breaker ${waitingOn} is open`, runAt: later, waitingOn }));
    };
    await waitOn(x.id, 'connector:x');
    await waitOn(y.id, 'connector:y');
    await waitOn(plain.id, undefined);
    await waitOn(other.id, 'connector:x');

    expect(await store.releaseWaiting('t1', 'connector:x', T0 + 1000)).toBe(1);
    expect(await store.nextRunAt()).toBe(T0 + 1000);
    const due = await claim(store, 'w1', T0 + 1000, 10);
    expect(due.map((r) => r.id)).toEqual([x.id]);
    expect((await store.getExecution('t2', other.id))?.runAt).toBe(later);
    // Released once: the mark is gone, and a requeue without one (a retry) is not released.
    expect(await store.releaseWaiting('t1', 'connector:x', T0 + 2000)).toBe(0);
    await store.transaction((tx) => tx.finishExecution({ executionId: x.id, attempt: due[0]!.attempt }, { status: 'queued', reason: 'retrying', runAt: later }));
    expect(await store.releaseWaiting('t1', 'connector:x', T0 + 3000)).toBe(0);
    expect(await store.releaseWaiting('t1', 'connector:y', T0 + 3000)).toBe(1);
    expect((await claim(store, 'w1', T0 + 3000, 10)).map((r) => r.id)).toEqual([y.id]);
  });

  it('replays dead-lettered (failed) executions: back in the queue at now, attempts kept', async () => {
    const store = await h.open();
    const dead = newExecution({ tenant: 't1', recordId: 'r' });
    const done = newExecution({ tenant: 't1', recordId: 'other' });
    await insertExecutions(store, [dead, done]);
    for (const row of await claim(store, 'w1', T0, 10)) {
      const status = row.id === dead.id ? 'failed' : 'succeeded';
      await store.transaction((tx) => tx.finishExecution({ executionId: row.id, attempt: 1 }, { status, reason: 'gave up', finishedAt: T0 + 1 }));
    }
    expect(await store.requeueExecutions('t1', [done.id, dead.id, 'missing'], ['failed'], T0 + 100)).toEqual([dead.id]);
    expect(await store.requeueExecutions('t2', [dead.id], ['queued'], T0 + 100)).toEqual([]);
    expect(await store.getExecution('t1', dead.id)).toMatchObject({ status: 'queued', runAt: T0 + 100, reason: null, finishedAt: null, attempt: 1 });
    expect(await store.getExecution('t1', done.id)).toMatchObject({ status: 'succeeded' });
    expect(await store.nextRunAt()).toBe(T0 + 100);
    expect(await claim(store, 'w1', T0 + 99)).toEqual([]);
    expect(await claim(store, 'w1', T0 + 100)).toMatchObject([{ id: dead.id, attempt: 2, status: 'running' }]);
    expect(await store.requeueExecutions('t1', [], ['failed'], T0)).toEqual([]);
  });

  it('cancels queued and running executions; a cancelled running one frees its lane and fences its worker', async () => {
    const store = await h.open();
    const [running, next, queued] = [
      newExecution({ tenant: 't1', recordId: 'r' }), newExecution({ tenant: 't1', recordId: 'r' }), newExecution({ tenant: 't1', recordId: 'q' }),
    ];
    await insertExecutions(store, [running, next]);
    const [claimed] = await claim(store, 'w1', T0, 10);
    expect(claimed?.id).toBe(running.id);
    await insertExecutions(store, [queued]);
    expect(await store.cancelExecutions('t1', [queued.id, running.id, next.id], ['queued', 'running'], 'operator', T0 + 5))
      .toEqual([queued.id, running.id, next.id]);
    expect(await store.getExecution('t1', running.id)).toMatchObject({ status: 'cancelled', reason: 'operator', finishedAt: T0 + 5 });
    const fenced = await store.transaction((tx) => tx.checkLease({ executionId: running.id, attempt: 1 })).catch((e: unknown) => e);
    expect(fenced).toBeInstanceOf(StaleLeaseError);
    expect(await store.cancelExecutions('t1', [running.id], ['queued', 'running'], 'again', T0 + 6)).toEqual([]);
    expect(await claim(store, 'w1', T0 + 10)).toEqual([]);
    // The lane is free again: new work on the record runs.
    const later = newExecution({ tenant: 't1', recordId: 'r', runAt: T0 + 10 });
    await insertExecutions(store, [later]);
    const [ran] = await claim(store, 'w1', T0 + 10);
    expect(ran?.id).toBe(later.id);
    await succeed(store, ran ?? expect.fail('claimed nothing'));
  });
}
