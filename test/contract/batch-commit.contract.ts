// Contract: the set-based operations of the batch commit. completeSteps does what saveStep +
// finishExecution('succeeded') do, for many executions in a constant number of statements, and
// leaves alone those whose lease moved on; lockRecords locks many records in one statement and
// answers later getRecordForUpdate calls of the same transaction from what it read, kept right
// by the transaction's own writes and savepoint rollbacks.
import { expect, it } from 'vitest';
import type { CompleteStep, RecordKey, Store, StoreTx } from '../../src/store/port.js';
import type { ExecutionRow, NewExecution, StepRow } from '../../src/domain/types.js';
import { claim, insertExecutions, newExecution, newRecord, type StoreHarness, T0 } from './fixtures.js';

/** A lane row as PostgreSQL stores it (the lanes table); SQLite has none. */
export interface LaneRow { tenant: string; lane: string; running_id: string | null; ready_at: number | null }

export interface BatchCommitHarness extends StoreHarness {
  /** PostgreSQL only: the store's lanes, and whether another connection finds a record locked (NOWAIT). */
  postgres?: {
    lanes(store: Store): Promise<LaneRow[]>;
    lockedElsewhere(store: Store, key: RecordKey): Promise<boolean>;
  };
}

const N = 50;
const DONE_AT = T0 + 500;

const lastStep = (e: ExecutionRow): StepRow => ({
  executionId: e.id, stepId: 'update', attempt: e.attempt, status: 'succeeded', output: { id: e.id, n: 1 }, error: null,
  startedAt: T0 + 10, finishedAt: T0 + 20,
});

function count(store: Store): () => number {
  const c = store.statementCount?.bind(store);
  if (!c) throw new Error(`${store.backend} store has no statementCount`);
  return c;
}

/**
 * n executions of `tenant`, one per lane and claimed by w1, plus a queued follower in every third
 * lane (which becomes claimable once its lane is free). Returns the claimed ones, in id order.
 */
async function seedRunning(store: Store, tenant: string, n = N): Promise<ExecutionRow[]> {
  const rows: NewExecution[] = [];
  for (let i = 0; i < n; i++) {
    const recordId = `r${String(i).padStart(2, '0')}`;
    rows.push(newExecution({ tenant, id: `${tenant}-head-${i}`, recordId, runAt: T0, createdAt: T0 }));
    if (i % 3 === 0) rows.push(newExecution({ tenant, id: `${tenant}-next-${i}`, recordId, runAt: T0 + 1, createdAt: T0 + 1 }));
  }
  await insertExecutions(store, rows);
  const claimed = await claim(store, 'w1', T0, 1000);
  return claimed.filter((e) => e.tenant === tenant).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Another worker takes e over: its lease is requeued (as a sweep would) and claimed again, attempt + 1. */
async function steal(store: Store, e: ExecutionRow): Promise<ExecutionRow> {
  await store.transaction((tx) => tx.finishExecution({ executionId: e.id, attempt: e.attempt }, { status: 'queued', runAt: T0 }));
  const [again] = (await claim(store, 'w2', T0 + 1, 1000)).filter((c) => c.id === e.id);
  if (!again) throw new Error(`could not steal ${e.id}`);
  return again;
}

const items = (batch: ExecutionRow[]): CompleteStep[] =>
  batch.map((e) => ({ lease: { executionId: e.id, attempt: e.attempt }, step: lastStep(e), finishedAt: DONE_AT }));

/** The stored state of a tenant's executions and their steps, with the tenant taken out so that two tenants compare. */
async function snapshot(store: Store, tenant: string): Promise<unknown[]> {
  const strip = (s: string): string => s.split(tenant).join('T');
  const executions = (await store.listExecutions({ tenant, limit: 1000 })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const out: unknown[] = [];
  for (const e of executions) {
    const steps = (await store.listSteps(e.id)).map((s) => ({ ...s, executionId: strip(s.executionId), output: JSON.parse(strip(JSON.stringify(s.output))) as unknown }));
    // Every column a finish or a checkpoint may touch (trigger keys and inputs differ by construction).
    out.push({
      id: strip(e.id), lane: strip(e.lane), status: e.status, attempt: e.attempt, runAt: e.runAt, leaseUntil: e.leaseUntil, workerId: e.workerId,
      reason: e.reason, startedAt: e.startedAt, finishedAt: e.finishedAt, leaseExpiries: e.leaseExpiries, steps,
    });
  }
  return out;
}

async function records(tx: StoreTx, keys: RecordKey[]): Promise<unknown[]> {
  const found: unknown[] = [];
  for (const k of keys) found.push((await tx.getRecordForUpdate(k.tenant, k.type, k.id)) ?? null);
  return found;
}

const key = (tenant: string, id: string): RecordKey => ({ tenant, type: 'deal', id });

export function batchCommitContract(h: BatchCommitHarness): void {
  it('completeSteps completes exactly the executions still held: one stolen by another claim is left alone', async () => {
    const store = await h.open();
    const batch = await seedRunning(store, 't1');
    expect(batch).toHaveLength(N);
    const victim = batch[7] as ExecutionRow;
    const stolen = await steal(store, victim);
    expect(stolen.attempt).toBe(victim.attempt + 1);

    const completed = await store.transaction((tx) => tx.completeSteps(items(batch)));
    expect(completed).toEqual(batch.filter((e) => e.id !== victim.id).map((e) => e.id));
    for (const e of batch) {
      const stored = await store.getExecution('t1', e.id) as ExecutionRow;
      if (e.id === victim.id) {
        expect(stored).toMatchObject({ status: 'running', attempt: stolen.attempt, workerId: 'w2', finishedAt: null });
        expect(await store.listSteps(e.id)).toEqual([]);
      } else {
        expect(stored).toMatchObject({ status: 'succeeded', reason: null, finishedAt: DONE_AT, leaseUntil: null, workerId: null, leaseExpiries: 0 });
        expect(await store.listSteps(e.id)).toEqual([lastStep(e)]);
      }
    }
    // The thief still holds it: its own completion goes through.
    expect(await store.transaction((tx) => tx.completeSteps(items([stolen])))).toEqual([victim.id]);
    expect(await store.transaction((tx) => tx.completeSteps([]))).toEqual([]);
  });

  it('completeSteps leaves the same rows as saveStep + finishExecution, and frees the lanes for their next executions', async () => {
    const store = await h.open();
    const a = await seedRunning(store, 'ta');
    const b = await seedRunning(store, 'tb');
    await store.transaction((tx) => tx.completeSteps(items(a)));
    await store.transaction(async (tx) => {
      for (const e of b) {
        await tx.saveStep(lastStep(e));
        await tx.finishExecution({ executionId: e.id, attempt: e.attempt }, { status: 'succeeded', reason: null, finishedAt: DONE_AT });
      }
    });
    const ta = await snapshot(store, 'ta');
    expect(ta).toEqual(await snapshot(store, 'tb'));
    expect(ta.filter((e) => (e as ExecutionRow).status === 'succeeded')).toHaveLength(N);

    if (h.postgres) {
      const lanes = await h.postgres.lanes(store);
      const of = (tenant: string): unknown[] => lanes.filter((l) => l.tenant === tenant)
        .map((l) => ({ ...l, tenant: 'T', lane: l.lane.split(tenant).join('T') }))
        .sort((x, y) => (x.lane < y.lane ? -1 : 1));
      // Only the lanes with a follower are left, free and ready at the follower's run_at.
      expect(of('ta')).toHaveLength(Math.ceil(N / 3));
      expect(of('ta').every((l) => (l as LaneRow).running_id === null && (l as LaneRow).ready_at === T0 + 1)).toBe(true);
      expect(of('ta')).toEqual(of('tb'));
    }
    // The next execution of each lane is claimable, for both tenants alike.
    const next = await claim(store, 'w3', T0 + 1, 1000);
    const ids = (tenant: string): string[] => next.filter((e) => e.tenant === tenant).map((e) => e.id.slice(tenant.length)).sort();
    expect(ids('ta')).toHaveLength(Math.ceil(N / 3));
    expect(ids('ta')).toEqual(ids('tb'));
    expect(ids('ta').every((id) => id.startsWith('-next-'))).toBe(true);
  });

  it('completeSteps clears lease_expiries, as a checkpoint and a finish do', async () => {
    const store = await h.open();
    await insertExecutions(store, [newExecution({ tenant: 't1', id: 'suspect', recordId: 's' })]);
    // Claimed and swept twice (lease_expiries 2), then claimed alone, as a suspect is.
    for (let i = 0; i < 2; i++) {
      const [mine] = await store.claimExecutions({ workerId: 'w1', now: T0 + i * 10_000, limit: 1, leaseMs: 1000 });
      expect(mine?.id).toBe('suspect');
      await store.sweepExpiredLeases(T0 + i * 10_000 + 5000);
    }
    const [held] = await store.claimExecutions({ workerId: 'w1', now: T0 + 30_000, limit: 1, leaseMs: 1000 });
    expect(held).toMatchObject({ id: 'suspect', leaseExpiries: 2 });
    const row = held as ExecutionRow;
    expect(await store.transaction((tx) => tx.completeSteps(items([row])))).toEqual(['suspect']);
    expect(await store.getExecution('t1', 'suspect')).toMatchObject({ status: 'succeeded', leaseExpiries: 0, finishedAt: DONE_AT });
  });

  it('completeSteps refuses a step of another execution and an execution given twice', async () => {
    const store = await h.open();
    const [x, y] = await seedRunning(store, 't1', 2) as [ExecutionRow, ExecutionRow];
    const [ix, iy] = items([x, y]) as [CompleteStep, CompleteStep];
    await expect(store.transaction((tx) => tx.completeSteps([{ ...ix, step: iy.step }]))).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(store.transaction((tx) => tx.completeSteps([ix, ix]))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect((await store.getExecution('t1', x.id))?.status).toBe('running');
  });

  it('completeSteps costs as many statements for 2 executions as for 48 (PostgreSQL: 2)', async () => {
    const store = await h.open();
    const batch = await seedRunning(store, 't1');
    const statements = count(store);
    const run = async (part: ExecutionRow[]): Promise<number> => {
      const before = statements();
      await store.transaction((tx) => tx.completeSteps(items(part)));
      return statements() - before - 2; // less BEGIN and COMMIT
    };
    const two = await run(batch.slice(0, 2));
    const many = await run(batch.slice(2));
    if (store.backend === 'postgres') {
      expect(two).toBe(2);
      expect(many).toBe(two);
    } else {
      // SQLite: prepared statements per item, in process (no round trips): two per execution.
      expect(two).toBe(4);
      expect(many).toBe(2 * 48);
    }
  });

  it('lockRecords reads 50 records (and absent ones) in one statement; getRecordForUpdate then costs none', async () => {
    const store = await h.open();
    const present = Array.from({ length: N }, (_, i) => newRecord('t1', `r${i}`, { i }));
    await store.transaction(async (tx) => {
      for (const r of present) await tx.insertRecord(r);
      await tx.insertRecord(newRecord('t2', 'r0', { other: true })); // same id, another tenant
    });
    const keys = [...present.map((r) => key('t1', r.id)), key('t1', 'missing-1'), key('t1', 'missing-2')];
    const statements = count(store);
    const [locking, reading, found] = await store.transaction(async (tx) => {
      const at = statements();
      await tx.lockRecords([...keys].reverse()); // any order in: locks are taken in key order
      const locked = statements();
      const rows = await records(tx, keys);
      return [locked - at, statements() - locked, rows];
    });
    expect(locking).toBe(1);
    expect(reading).toBe(0);
    expect(found).toEqual([...present, null, null]);
    // Keys it did not lock are still read from the database.
    const other = await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'r0')]);
      const at = statements();
      const row = await tx.getRecordForUpdate('t2', 'deal', 'r0');
      return { row, cost: statements() - at };
    });
    expect(other).toEqual({ row: newRecord('t2', 'r0', { other: true }), cost: 1 });
    expect(await store.transaction(async (tx) => {
      const at = statements();
      await tx.lockRecords([]);
      return statements() - at;
    })).toBe(0);
  });

  it('lockRecords: the cache follows the transaction\'s own updateRecord, insertRecord and deleteRecord', async () => {
    const store = await h.open();
    const a = newRecord('t1', 'a', { v: 1 });
    const b = newRecord('t1', 'b', { v: 1 });
    await store.transaction(async (tx) => {
      await tx.insertRecord(a);
      await tx.insertRecord(b);
    });
    const a2 = { ...a, version: 2, data: { v: 2 }, updatedAt: T0 + 5, createdAt: T0 - 999 }; // createdAt is not written
    const c = newRecord('t1', 'c', { v: 1 });
    const keys = [key('t1', 'a'), key('t1', 'b'), key('t1', 'c')];
    const seen = await store.transaction(async (tx) => {
      await tx.lockRecords(keys);
      expect(await tx.updateRecord(a2, 1)).toBe(true);
      expect(await tx.updateRecord({ ...a, version: 9, data: { v: 9 } }, 1)).toBe(false); // stale: no change
      expect(await tx.deleteRecord('t1', 'deal', 'b', 7)).toBe(false);
      const beforeDelete = await tx.getRecordForUpdate('t1', 'deal', 'b');
      expect(await tx.deleteRecord('t1', 'deal', 'b', 1)).toBe(true);
      await tx.insertRecord(c);
      await expect(tx.insertRecord(c)).rejects.toMatchObject({ code: 'RECORD_EXISTS' });
      const mutated = await tx.getRecordForUpdate('t1', 'deal', 'a');
      if (mutated) mutated.data.v = 'mutated by the caller'; // the cache hands out copies
      return { beforeDelete, after: await records(tx, keys) };
    });
    expect(seen.beforeDelete).toEqual(b);
    expect(seen.after).toEqual([{ ...a2, createdAt: T0 }, null, c]);
    // What the cache said is what was committed.
    const fresh = [await store.getRecord('t1', 'deal', 'a'), await store.getRecord('t1', 'deal', 'b') ?? null, await store.getRecord('t1', 'deal', 'c')];
    expect(seen.after).toEqual(fresh);
  });

  it('lockRecords: a savepoint rollback leaves no stale cached record', async () => {
    const store = await h.open();
    const a = newRecord('t1', 'a', { v: 1 });
    await store.transaction((tx) => tx.insertRecord(a));
    const boom = new Error('boom');
    const seen = await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'a'), key('t1', 'new')]);
      await expect(tx.savepoint(async () => {
        expect(await tx.updateRecord({ ...a, version: 2, data: { v: 2 } }, 1)).toBe(true);
        await tx.insertRecord(newRecord('t1', 'new'));
        expect((await tx.getRecordForUpdate('t1', 'deal', 'a'))?.version).toBe(2);
        throw boom;
      })).rejects.toBe(boom);
      const afterRollback = await records(tx, [key('t1', 'a'), key('t1', 'new')]);
      // Locked inside a savepoint that then fails: forgotten too.
      await expect(tx.savepoint(async () => {
        await tx.lockRecords([key('t1', 'a')]);
        await tx.updateRecord({ ...a, version: 3, data: { v: 3 } }, 1);
        throw boom;
      })).rejects.toBe(boom);
      // A savepoint that succeeds keeps its writes in the cache.
      await tx.lockRecords([key('t1', 'a')]);
      await tx.savepoint(() => tx.updateRecord({ ...a, version: 4, data: { v: 4 } }, 1));
      return { afterRollback, last: await tx.getRecordForUpdate('t1', 'deal', 'a') };
    });
    expect(seen.afterRollback).toEqual([a, null]);
    expect(seen.last).toEqual({ ...a, version: 4, data: { v: 4 } });
    expect(await store.getRecord('t1', 'deal', 'a')).toEqual(seen.last);
  });

  if (h.postgres) {
    const pgHarness = h.postgres;
    it('lockRecords really locks: another connection\'s FOR UPDATE NOWAIT fails until the transaction ends', async () => {
      const store = await h.open();
      await store.transaction(async (tx) => {
        await tx.insertRecord(newRecord('t1', 'a'));
        await tx.insertRecord(newRecord('t1', 'b'));
        await tx.insertRecord(newRecord('t1', 'free'));
      });
      await store.transaction(async (tx) => {
        await tx.lockRecords([key('t1', 'b'), key('t1', 'a'), key('t1', 'absent')]);
        expect(await pgHarness.lockedElsewhere(store, key('t1', 'a'))).toBe(true);
        expect(await pgHarness.lockedElsewhere(store, key('t1', 'b'))).toBe(true);
        expect(await pgHarness.lockedElsewhere(store, key('t1', 'free'))).toBe(false);
      });
      expect(await pgHarness.lockedElsewhere(store, key('t1', 'a'))).toBe(false);
    });
  }
}
