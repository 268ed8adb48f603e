// Contract: what the batch runner needs from a store. Contexts of many executions loaded in a
// constant number of statements, equal to the row-level reads and never crossing tenants; and
// savepoints, so that one execution's failure inside a batch transaction undoes only its own writes.
import { expect, it } from 'vitest';
import type { ExecutionContextRow, Store, StoreTx } from '../../src/store/port.js';
import type { AttemptRow, ExecutionRow, NewExecution, StepRow } from '../../src/domain/types.js';
import { insertExecutions, newChange, newExecution, newRecord, type StoreHarness, T0 } from './fixtures.js';

const step = (executionId: string, stepId: string, at: number): StepRow => ({
  executionId, stepId, attempt: 1, status: 'succeeded', output: { stepId, at }, error: null, startedAt: at, finishedAt: at + 1,
});

const failedAttempt = (executionId: string, stepId: string, attempt: number): AttemptRow => ({
  executionId, stepId, attempt, action: 'http.request', error: 'boom', code: 'HTTP_5XX', retryable: true, startedAt: T0, finishedAt: T0 + 1,
});

/** What the worker reads today, one execution at a time, with the row-level reads. */
async function rowLevelContext(store: Store, e: ExecutionRow): Promise<ExecutionContextRow> {
  const failedAttempts: Record<string, number> = {};
  for (const a of await store.listAttempts(e.id)) failedAttempts[a.stepId] = (failedAttempts[a.stepId] ?? 0) + 1;
  return {
    change: await store.getChange(e.tenant, e.triggerKey),
    steps: await store.listSteps(e.id),
    parentSteps: e.kind === 'step' && e.parentId ? await store.listSteps(e.parentId) : [],
    failedAttempts,
    record: await store.getRecord(e.tenant, e.recordType, e.recordId),
  };
}

/**
 * 100 executions over two tenants that reuse the same record ids: 80 workflow executions (parents
 * among them) and 20 step jobs of those parents. Some have checkpoints, some failed attempts; some
 * records and some trigger changes do not exist.
 */
async function seedBatch(store: Store): Promise<ExecutionRow[]> {
  const rows: NewExecution[] = [];
  await store.transaction(async (tx) => {
    for (let i = 0; i < 80; i++) {
      const tenant = i % 2 === 0 ? 't1' : 't2';
      const recordId = `r${Math.floor(i / 2) % 25}`; // r0..r24 in both tenants
      const record = newRecord(tenant, recordId, { tenant, n: i });
      if (i % 10 !== 3 && i < 50) await tx.insertRecord(record); // r0..r24, minus some: missing records
      const change = newChange(record);
      if (i % 9 !== 4) await tx.appendChange(change); // the rest have a trigger key that is no change
      rows.push(newExecution({ tenant, id: `wf-${i}`, recordId, triggerKey: change.id, rootChangeId: change.id }));
    }
    for (let j = 0; j < 20; j++) {
      const parent = rows[j * 3] as NewExecution; // a workflow execution of either tenant
      rows.push(newExecution({
        tenant: parent.tenant, id: `job-${j}`, kind: 'step', stepId: `notify-${j % 3}`, parentId: parent.id,
        recordType: parent.recordType, recordId: parent.recordId, triggerKey: parent.triggerKey, rootChangeId: parent.rootChangeId,
      }));
    }
  });
  await insertExecutions(store, rows);
  await store.transaction(async (tx) => {
    for (const [i, row] of rows.entries()) {
      // Saved out of step-id order with equal start times, so that order of saving is checked.
      for (let s = 0; s < i % 4; s++) await tx.saveStep(step(row.id, `step-${3 - s}`, T0 + (s === 2 ? 0 : 10)));
      for (let a = 0; a < i % 3; a++) await tx.recordAttempt(failedAttempt(row.id, `step-${a % 2}`, a + 1));
      if (i % 5 === 0) await tx.recordAttempt(failedAttempt(row.id, 'step-0', 9));
    }
  });
  const stored = [...await store.listExecutions({ tenant: 't1', limit: 1000 }), ...await store.listExecutions({ tenant: 't2', limit: 1000 })];
  const byId = new Map(stored.map((e) => [e.id, e]));
  return rows.map((r) => byId.get(r.id) as ExecutionRow);
}

async function statementsFor(store: Store, batch: ExecutionRow[]): Promise<number> {
  const count = store.statementCount?.bind(store);
  if (!count) throw new Error(`${store.backend} store has no statementCount`);
  const before = count();
  await store.loadExecutionContexts(batch);
  return count() - before;
}

/** Each id, or '-' where the record does not exist. One read after another: a transaction is one connection. */
async function recordIds(tx: StoreTx, tenant: string, ids: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const id of ids) found.push((await tx.getRecordForUpdate(tenant, 'deal', id)) ? id : '-');
  return found;
}

export function batchContract(h: StoreHarness): void {
  it('loads the contexts of a batch of 100 executions, each equal to what the row-level reads return', async () => {
    const store = await h.open();
    const batch = await seedBatch(store);
    expect(batch).toHaveLength(100);
    const contexts = await store.loadExecutionContexts(batch);
    expect([...contexts.keys()].sort()).toEqual(batch.map((e) => e.id).sort());
    for (const e of batch) expect({ id: e.id, ...contexts.get(e.id) }).toEqual({ id: e.id, ...await rowLevelContext(store, e) });

    // The seed covers every case on both sides: present and missing, empty and not.
    const all = [...contexts.values()];
    expect(all.filter((c) => c.change).length).toBeGreaterThan(10);
    expect(all.filter((c) => !c.change).length).toBeGreaterThan(5);
    expect(all.filter((c) => c.record).length).toBeGreaterThan(10);
    expect(all.filter((c) => !c.record).length).toBeGreaterThan(5);
    expect(all.filter((c) => c.steps.length > 1).length).toBeGreaterThan(10);
    expect(all.filter((c) => c.parentSteps.length > 0).length).toBeGreaterThan(5);
    expect(all.filter((c) => Object.keys(c.failedAttempts).length > 1).length).toBeGreaterThan(5);
    const job = contexts.get('job-1') as ExecutionContextRow;
    expect(job.parentSteps).toEqual(await store.listSteps('wf-3'));
    expect((contexts.get('wf-4') as ExecutionContextRow).steps.map((s) => s.stepId)).toEqual([]);
    expect((contexts.get('wf-3') as ExecutionContextRow).steps.map((s) => s.stepId)).toEqual(['step-1', 'step-3', 'step-2']);
    expect(await store.loadExecutionContexts([])).toEqual(new Map());
  });

  it('loads a batch of 100 in as many statements as a batch of 2, and an empty batch in none', async () => {
    const store = await h.open();
    const batch = await seedBatch(store);
    const two = await statementsFor(store, batch.slice(0, 2));
    const hundred = await statementsFor(store, batch);
    expect(two).toBeGreaterThan(0);
    expect(hundred).toBe(two);
    expect(hundred).toBeLessThanOrEqual(5);
    expect(await statementsFor(store, [])).toBe(0);
  });

  it('counts every statement, monotonically: a transaction of one read is BEGIN, the read, COMMIT', async () => {
    const store = await h.open();
    const count = store.statementCount?.bind(store);
    if (!count) throw new Error(`${store.backend} store has no statementCount`);
    const before = count();
    await store.transaction((tx) => tx.getCatalogRevision('t1'));
    expect(count() - before).toBe(3);
    await store.getCatalogRevision('t1');
    expect(count() - before).toBe(4);
  });

  it('never returns another tenant\'s rows: same record id, a foreign change, parent or execution id', async () => {
    const store = await h.open();
    const mine = newRecord('t1', 'shared', { owner: 't1' });
    const theirs = newRecord('t2', 'shared', { owner: 't2' });
    const change = newChange(mine);
    await store.transaction(async (tx) => {
      await tx.insertRecord(mine);
      await tx.insertRecord(theirs);
      await tx.appendChange(change);
    });
    const parent = newExecution({ tenant: 't1', id: 'p1', recordId: 'shared', triggerKey: change.id });
    await insertExecutions(store, [parent]);
    await store.transaction(async (tx) => {
      await tx.saveStep(step('p1', 'a', T0));
      await tx.recordAttempt(failedAttempt('p1', 'a', 1));
    });
    const [stored] = await store.listExecutions({ tenant: 't1' });
    const own = stored as ExecutionRow;
    // Rows a buggy or forged caller could pass: t2 executions pointing at t1's change, parent and id.
    const foreign: ExecutionRow[] = [
      { ...own, id: 'x1', tenant: 't2' },
      { ...own, id: 'x2', tenant: 't2', kind: 'step', stepId: 'a', parentId: 'p1' },
      { ...own, tenant: 't2' },
    ];
    const t1 = await store.loadExecutionContexts([own]);
    expect(t1.get('p1')).toMatchObject({ change: { id: change.id }, record: { data: { owner: 't1' } }, failedAttempts: { a: 1 } });
    expect(t1.get('p1')?.steps.map((s) => s.stepId)).toEqual(['a']);
    const t2 = await store.loadExecutionContexts(foreign);
    for (const id of ['x1', 'x2', 'p1']) {
      expect(t2.get(id)).toEqual({ change: undefined, steps: [], parentSteps: [], failedAttempts: {}, record: { ...theirs } });
    }
    // Both tenants in one batch: each gets only its own.
    const mixed = await store.loadExecutionContexts([own, foreign[1] as ExecutionRow]);
    expect(mixed.get('p1')?.record?.data).toEqual({ owner: 't1' });
    expect(mixed.get('x2')).toEqual({ change: undefined, steps: [], parentSteps: [], failedAttempts: {}, record: { ...theirs } });
  });

  it('savepoint: a failing one undoes only its own writes, even after a database error; the others commit', async () => {
    const store = await h.open();
    const change = newChange(newRecord('t1', 'c'));
    const boom = new Error('boom');
    const kept = await store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'before'));
      await tx.appendChange(change);
      await expect(tx.savepoint(async () => {
        await tx.insertRecord(newRecord('t1', 'inside-thrown'));
        throw boom;
      })).rejects.toBe(boom);
      // A statement that fails in the database (PostgreSQL then aborts the transaction, unless rolled back to a savepoint).
      await expect(tx.savepoint(async () => {
        await tx.insertRecord(newRecord('t1', 'inside-db-error'));
        await tx.appendChange(change);
      })).rejects.toThrow();
      const value = await tx.savepoint(async () => {
        await tx.insertRecord(newRecord('t1', 'inside-kept'));
        return 'kept';
      });
      await tx.insertRecord(newRecord('t1', 'after'));
      return value;
    });
    expect(kept).toBe('kept');
    const present = await store.transaction((tx) => recordIds(tx, 't1', ['before', 'inside-thrown', 'inside-db-error', 'inside-kept', 'after']));
    expect(present).toEqual(['before', '-', '-', 'inside-kept', 'after']);
    expect((await store.listChanges('t1', 'deal', 'c')).map((c) => c.id)).toEqual([change.id]);
  });

  it('savepoints nest: an inner failure keeps the outer savepoint\'s writes; an outer failure undoes the inner ones', async () => {
    const store = await h.open();
    await store.transaction(async (tx) => {
      await tx.savepoint(async () => {
        await tx.insertRecord(newRecord('t1', 'outer-1'));
        await expect(tx.savepoint(async () => {
          await tx.insertRecord(newRecord('t1', 'inner-failed'));
          await tx.savepoint(async () => tx.insertRecord(newRecord('t1', 'innermost-of-failed')));
          throw new Error('inner');
        })).rejects.toThrow('inner');
        await tx.savepoint(async () => tx.insertRecord(newRecord('t1', 'inner-kept')));
        await tx.insertRecord(newRecord('t1', 'outer-2'));
      });
      await expect(tx.savepoint(async () => {
        await tx.savepoint(async () => tx.insertRecord(newRecord('t1', 'inner-of-failed-outer')));
        throw new Error('outer');
      })).rejects.toThrow('outer');
    });
    const ids = ['outer-1', 'inner-failed', 'innermost-of-failed', 'inner-kept', 'outer-2', 'inner-of-failed-outer'];
    expect(await store.transaction((tx) => recordIds(tx, 't1', ids))).toEqual(['outer-1', '-', '-', 'inner-kept', 'outer-2', '-']);
  });

  it('a released savepoint inside a transaction that is rolled back leaves nothing', async () => {
    const store = await h.open();
    await expect(store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'before'));
      await tx.savepoint(async () => tx.insertRecord(newRecord('t1', 'released')));
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await store.getRecord('t1', 'deal', 'before')).toBeUndefined();
    expect(await store.getRecord('t1', 'deal', 'released')).toBeUndefined();
    // The store is usable afterwards, savepoints included.
    await store.transaction((tx) => tx.savepoint(() => tx.insertRecord(newRecord('t1', 'later'))));
    expect(await store.getRecord('t1', 'deal', 'later')).toBeDefined();
  });
}
