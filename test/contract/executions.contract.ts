// Contract: inserting, reading, finishing executions, steps, and the worker's lease calls.
import { expect, it } from 'vitest';
import { StaleLeaseError } from '../../src/errors.js';
import type { StepRow } from '../../src/domain/types.js';
import { claim, insertExecutions, newExecution, type StoreHarness, succeed, T0 } from './fixtures.js';

export function executionContract(h: StoreHarness): void {
  it('inserts an execution once per dedup key and returns how many were new (invariant 2)', async () => {
    const store = await h.open();
    const first = newExecution({ tenant: 't1', triggerKey: 'chg-1' });
    const redelivered = { ...first, id: 'exe-redelivered' };
    const otherStep = { ...first, id: 'exe-step', kind: 'step' as const, stepId: 'notify', parentId: first.id };
    const otherVersion = { ...first, id: 'exe-v2', version: 2 };
    expect(await insertExecutions(store, [first])).toBe(1);
    expect(await insertExecutions(store, [redelivered])).toBe(0);
    expect(await insertExecutions(store, [redelivered, otherStep, { ...otherStep, id: 'exe-step-again' }, otherVersion])).toBe(2);
    expect(await store.transaction((tx) => tx.insertExecutions([]))).toBe(0);
    const rows = await store.listExecutions({ tenant: 't1' });
    expect(rows.map((r) => r.id).sort()).toEqual([first.id, 'exe-step', 'exe-v2'].sort());
    expect(await store.getExecution('t1', 'exe-redelivered')).toBeUndefined();
  });

  it('reads an execution back with every field, queued with attempt 0 and no lease', async () => {
    const store = await h.open();
    const row = newExecution({ tenant: 't1', input: { change: { id: 'c', fields: ['stage'] }, list: [1, 'two', null] }, depth: 2, parentId: 'p' });
    await insertExecutions(store, [row]);
    expect(await store.getExecution('t1', row.id)).toEqual({
      ...row, status: 'queued', attempt: 0, leaseUntil: null, workerId: null, reason: null, startedAt: null, finishedAt: null,
      leaseExpiries: 0, stopRequest: null, stoppedBy: null, stopReason: null,
    });
    expect(await store.getExecution('t2', row.id)).toBeUndefined();
  });

  it('records an execution a loop guard stopped as skipped: kept for the audit, never claimed', async () => {
    const store = await h.open();
    const stopped = { ...newExecution({ tenant: 't1', recordId: 'r' }), status: 'skipped' as const, reason: 'loop guard (depth)', finishedAt: T0 };
    const queued = newExecution({ tenant: 't1', recordId: 'r', runAt: T0 + 10 });
    expect(await insertExecutions(store, [stopped, queued])).toBe(2);
    expect(await store.getExecution('t1', stopped.id)).toMatchObject({ status: 'skipped', reason: 'loop guard (depth)', finishedAt: T0, attempt: 0 });
    expect(await store.nextRunAt()).toBe(T0 + 10);
    expect(await claim(store, 'w1', T0 + 5)).toEqual([]);
    expect((await claim(store, 'w1', T0 + 10)).map((r) => r.id)).toEqual([queued.id]);
    expect(await store.countExecutionsByStatus('t1')).toEqual({ skipped: 1, running: 1 });
  });

  it('lists executions newest first with every filter, and pages with `before`', async () => {
    const store = await h.open();
    const rows = [
      newExecution({ tenant: 't1', workflowId: 'a', recordId: 'r1', rootChangeId: 'root-1' }),
      newExecution({ tenant: 't1', workflowId: 'b', recordId: 'r1', rootChangeId: 'root-1' }),
      newExecution({ tenant: 't1', workflowId: 'a', recordId: 'r2', recordType: 'lead', rootChangeId: 'root-2' }),
      newExecution({ tenant: 't1', workflowId: 'a', recordId: 'r3', rootChangeId: 'root-3' }),
      newExecution({ tenant: 't2', workflowId: 'a', recordId: 'r1', rootChangeId: 'root-1' }),
    ];
    for (const row of rows) await insertExecutions(store, [row]);
    const [claimed] = await claim(store, 'w1', T0, 1); // rows[0]: the oldest
    expect(claimed?.id).toBe(rows[0]?.id);
    const ids = (list: { id: string }[]) => list.map((r) => r.id);
    const [r0, r1, r2, r3] = rows.map((r) => r.id);
    expect(ids(await store.listExecutions({ tenant: 't1' }))).toEqual([r3, r2, r1, r0]);
    expect(ids(await store.listExecutions({ tenant: 't1', status: 'running' }))).toEqual([r0]);
    expect(ids(await store.listExecutions({ tenant: 't1', status: 'queued', workflowId: 'a' }))).toEqual([r3, r2]);
    expect(ids(await store.listExecutions({ tenant: 't1', recordType: 'deal', recordId: 'r1' }))).toEqual([r1, r0]);
    expect(ids(await store.listExecutions({ tenant: 't1', recordType: 'lead' }))).toEqual([r2]);
    expect(ids(await store.listExecutions({ tenant: 't1', rootChangeId: 'root-1' }))).toEqual([r1, r0]);
    expect(ids(await store.listExecutions({ tenant: 't1', limit: 2 }))).toEqual([r3, r2]);
    expect(ids(await store.listExecutions({ tenant: 't1', limit: 2, before: r2 }))).toEqual([r1, r0]);
    expect(ids(await store.listExecutions({ tenant: 't1', workflowId: 'a', before: r3 }))).toEqual([r2, r0]);
    expect(await store.listExecutions({ tenant: 't3' })).toEqual([]);
  });

  it('counts executions by status, per tenant and overall', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1' }), newExecution({ tenant: 't1' }), newExecution({ tenant: 't2' })]);
    const [running] = await claim(store, 'w1', T0, 1);
    expect(running?.tenant).toBe('t1');
    expect(await store.countExecutionsByStatus('t1')).toEqual({ queued: 1, running: 1 });
    expect(await store.countExecutionsByStatus('t2')).toEqual({ queued: 1 });
    expect(await store.countExecutionsByStatus()).toEqual({ queued: 2, running: 1 });
    expect(await store.countExecutionsByStatus('t9')).toEqual({});
  });

  it('reports the earliest runAt of queued executions, ignoring running and finished ones', async () => {
    const store = await h.open();
    expect(await store.nextRunAt()).toBeUndefined();
    await insertExecutions(store, [newExecution({ tenant: 't1', runAt: T0 + 500 }), newExecution({ tenant: 't2', runAt: T0 + 100 })]);
    expect(await store.nextRunAt()).toBe(T0 + 100);
    const [claimed] = await claim(store, 'w1', T0 + 100, 1);
    expect(claimed?.runAt).toBe(T0 + 100);
    expect(await store.nextRunAt()).toBe(T0 + 500);
    await succeed(store, claimed ?? expect.fail('claimed nothing'));
    expect(await store.nextRunAt()).toBe(T0 + 500);
    const [last] = await claim(store, 'w1', T0 + 500, 1);
    expect(last).toBeDefined();
    expect(await store.nextRunAt()).toBeUndefined();
  });

  it('finishes an execution under its lease: status, reason, finish time, lease cleared', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1' })]);
    const [row] = await claim(store);
    if (!row) expect.fail('claimed nothing');
    await store.transaction(async (tx) => {
      await tx.checkLease({ executionId: row.id, attempt: row.attempt });
      await tx.finishExecution({ executionId: row.id, attempt: row.attempt }, { status: 'skipped', reason: 'condition false', finishedAt: T0 + 7 });
    });
    expect(await store.getExecution('t1', row.id)).toMatchObject({
      status: 'skipped', reason: 'condition false', finishedAt: T0 + 7, leaseUntil: null, workerId: null, attempt: 1, startedAt: T0,
    });
    const again = await store.transaction((tx) => tx.finishExecution({ executionId: row.id, attempt: row.attempt }, { status: 'succeeded' })).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StaleLeaseError);
  });

  it('requeues an execution for later: not claimable before its new runAt, then claimed as attempt 2', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1' })]);
    const [row] = await claim(store);
    if (!row) expect.fail('claimed nothing');
    await store.transaction((tx) => tx.finishExecution({ executionId: row.id, attempt: 1 }, { status: 'queued', reason: 'retry 1', runAt: T0 + 5000 }));
    expect(await store.getExecution('t1', row.id)).toMatchObject({ status: 'queued', runAt: T0 + 5000, leaseUntil: null, workerId: null });
    expect(await store.nextRunAt()).toBe(T0 + 5000);
    expect(await claim(store, 'w1', T0 + 4999)).toEqual([]);
    const [retry] = await claim(store, 'w2', T0 + 5000);
    expect(retry).toMatchObject({ id: row.id, attempt: 2, workerId: 'w2', status: 'running', startedAt: T0 });
  });

  it('saves step checkpoints, replacing a step\'s earlier attempt, listed in start order', async () => {
    const store = await h.open();
    const step = (stepId: string, startedAt: number, attempt = 1): StepRow => ({
      executionId: 'exe-x', stepId, attempt, status: 'succeeded', output: { stepId, attempt }, error: null, startedAt, finishedAt: startedAt + 1,
    });
    await store.transaction(async (tx) => {
      await tx.saveStep(step('b', T0 + 2));
      await tx.saveStep(step('a', T0 + 1));
      await tx.saveStep({ ...step('c', T0 + 3), status: 'failed', output: null, error: 'timeout' });
    });
    await store.transaction((tx) => tx.saveStep({ ...step('c', T0 + 4, 2), status: 'enqueued' }));
    expect(await store.listSteps('exe-x')).toEqual([
      step('a', T0 + 1), step('b', T0 + 2), { ...step('c', T0 + 4, 2), status: 'enqueued' },
    ]);
    expect(await store.listSteps('exe-y')).toEqual([]);
  });

  it('heartbeat extends held leases and returns the ones this worker lost', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1' }), newExecution({ tenant: 't1' })]);
    const [a, b] = await claim(store, 'w1', T0, 2, 1000);
    if (!a || !b) expect.fail('claimed too few');
    const leases = [a, b].map((r) => ({ executionId: r.id, attempt: r.attempt }));
    expect(await store.heartbeat('w1', leases, T0 + 900, 1000)).toEqual([]);
    expect(await store.getExecution('t1', a.id)).toMatchObject({ leaseUntil: T0 + 1900 });
    expect(await store.sweepExpiredLeases(T0 + 1500)).toBe(0); // extended past the first deadline
    expect(await store.heartbeat('w2', leases, T0 + 1000, 1000)).toEqual([a.id, b.id]); // not w2's
    expect(await store.sweepExpiredLeases(T0 + 1901)).toBe(2);
    const [again] = await claim(store, 'w2', T0 + 2000, 1, 1000);
    expect(again?.id).toBe(a.id);
    expect(await store.heartbeat('w1', leases, T0 + 2000, 1000)).toEqual([a.id, b.id]);
    expect(await store.heartbeat('w1', [], T0 + 2000, 1000)).toEqual([]);
  });
}
