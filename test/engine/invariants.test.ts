// DESIGN.md invariants 1-4, each tested so that breaking it fails a test.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { resolveConfig } from '../../src/config.js';
import type { Store, StoreTx } from '../../src/store/port.js';
import { isSwitchyardError } from '../../src/errors.js';
import type { WriteResult } from '../../src/services/write-path.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';


const bumpOnCreate = (id = 'bump', extra: object = {}) => ({
  id, name: id, object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }], ...extra,
});

/** A store whose transactions fail at a chosen operation: a crash injected mid-write. */
function failingAt(store: Store, op: keyof StoreTx): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
      return <T>(fn: (tx: StoreTx) => Promise<T>) => target.transaction((tx) => fn(new Proxy(tx, {
        get(t, p, r) {
          if (p === op) return () => Promise.reject(new Error(`injected crash at ${String(op)}`));
          return Reflect.get(t, p, r) as unknown;
        },
      })));
    },
  });
}

await forEachStore('invariants', (make, _backend, again) => {
  const open: TestEngine[] = [];
  afterEach(async () => { for (const e of open.splice(0)) await closeEngine(e); });
  async function engine(): Promise<TestEngine> {
    const e = await make();
    open.push(e);
    return e;
  }
  /** A new process on the same store: the same SQLite file, or the same PostgreSQL schema. */
  async function reopen(first: TestEngine): Promise<TestEngine> {
    const e = await again(first);
    open.push(e);
    return e;
  }

  describe('invariant 1: a change and the executions it triggers are durable together, or neither is', () => {
    it('a crash between writing the record and inserting its executions leaves neither', async () => {
      const e = await engine();
      await e.workflows.deploy('default', bumpOnCreate());
      const broken = createEngine({ store: failingAt(e.store, 'insertExecutions'), config: resolveConfig({}), clock: e.clock, runWorker: false });
      await expect(broken.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1')).rejects.toThrow(/injected crash/);
      expect(await e.store.getRecord('default', 'deal', 'd1')).toBeUndefined();
      expect(await e.store.listChanges('default', 'deal', 'd1')).toEqual([]);
      expect(await e.store.listExecutions({ tenant: 'default' })).toEqual([]);
    });

    it('a process that stops right after the commit loses nothing: the next process runs the execution', async () => {
      const first = await engine();
      await first.workflows.deploy('default', bumpOnCreate());
      await first.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1');
      await first.store.close(); // "crash": no worker ever ran
      const second = await reopen(first);
      expect(await second.worker.drain()).toBe(1);
      expect((await second.records.get('default', 'deal', 'd1')).data.priority).toBe('high');
    });
  });

  describe('invariant 2: one execution per (workflow version, trigger occurrence)', () => {
    it('dispatching the same change twice yields one execution', async () => {
      const e = await engine();
      await e.workflows.deploy('default', bumpOnCreate());
      await e.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1');
      const [exec] = await e.store.listExecutions({ tenant: 'default' });
      expect(exec).toBeDefined();
      const again = { ...exec!, id: 'another-id', status: 'queued' as const };
      const inserted = await e.store.transaction((tx) => tx.insertExecutions([again, { ...again, id: 'third-id' }]));
      expect(inserted).toBe(0);
      expect(await e.store.listExecutions({ tenant: 'default' })).toHaveLength(1);
    });

    it('an execution re-run after its lease expired does not apply its data step twice', async () => {
      const e = await engine();
      await e.workflows.deploy('default', { ...bumpOnCreate(), actions: [
        { id: 'task', type: 'record.create', object: 'task', set: { subject: '"follow up"' } },
        { id: 'p', type: 'record.update', set: { priority: '"high"' } },
      ] });
      await e.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1');
      // Claim and run only the first step, then "crash": the lease is left to expire.
      const [claimed] = await e.store.claimExecutions({ workerId: 'w1', now: e.clock.now(), leaseMs: 30_000, limit: 1 });
      await e.store.transaction(async (tx) => {
        await tx.checkLease({ executionId: claimed!.id, attempt: claimed!.attempt });
        await tx.saveStep({ executionId: claimed!.id, stepId: 'task', attempt: 1, status: 'succeeded', output: null, error: null, startedAt: e.clock.now(), finishedAt: e.clock.now() });
      });
      e.clock.advance(31_000);
      expect(await e.store.sweepExpiredLeases(e.clock.now())).toBe(1);
      expect(await e.worker.drain()).toBe(1);
      const detail = await e.executions.show('default', claimed!.id);
      expect(detail.status).toBe('succeeded');
      expect(detail.attempt).toBe(2);
      expect(await e.store.listRecords('default', 'task', 10)).toHaveLength(0); // checkpointed step was not re-run
      expect((await e.records.get('default', 'deal', 'd1')).data.priority).toBe('high');
    });
  });

  describe('invariant 3: a record write never waits for a workflow', () => {
    it('a write that matches 50 workflows returns with all 50 queued and none run', async () => {
      const e = await engine();
      for (let i = 0; i < 50; i++) await e.workflows.deploy('default', bumpOnCreate(`wf-${i}`));
      const result = await e.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1');
      expect(result.executions).toBe(50);
      const execs = await e.store.listExecutions({ tenant: 'default', limit: 100 });
      expect(execs.every((x) => x.status === 'queued')).toBe(true);
      expect((await e.records.get('default', 'deal', 'd1')).data.priority).toBeUndefined();
    });
  });

  describe('invariant 4: no lost update; one execution per record at a time', () => {
    it('1,000 concurrent conflicting updates: exactly one wins, 999 are refused, none is lost silently', async () => {
      const e = await engine();
      await e.records.create('default', 'deal', { name: 'Acme', amount: 0 }, USER, 'd1');
      const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) =>
        e.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: i + 1 }, expectedVersion: 1, actor: USER })));
      const won = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected' && isSwitchyardError(r.reason) && r.reason.code === 'VERSION_CONFLICT');
      expect(won).toHaveLength(1);
      expect(refused).toHaveLength(999);
      const deal = await e.records.get('default', 'deal', 'd1');
      expect(deal.version).toBe(2);
      expect(deal.data.amount).toBe((won[0] as PromiseFulfilledResult<WriteResult>).value.record?.data.amount);
      expect(await e.records.history('default', 'deal', 'd1')).toHaveLength(2);
    });

    it('200 concurrent read-modify-write increments that retry on conflict end at exactly 200', async () => {
      const e = await engine();
      await e.records.create('default', 'deal', { name: 'Acme', amount: 0 }, USER, 'd1');
      await Promise.all(Array.from({ length: 200 }, async () => {
        for (;;) {
          const deal = await e.records.get('default', 'deal', 'd1');
          try {
            await e.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: (deal.data.amount as number) + 1 }, expectedVersion: deal.version, actor: USER });
            return;
          } catch (error) {
            if (!isSwitchyardError(error) || error.code !== 'VERSION_CONFLICT') throw error;
          }
        }
      }));
      expect((await e.records.get('default', 'deal', 'd1')).data.amount).toBe(200);
    });

    it('two workflows updating one deal (stage and amount) both land; executions on a record never overlap', async () => {
      const e = await engine();
      const inc = (id: string, field: string, value: string) => ({ id, name: id, object: 'deal', trigger: { on: 'updated', fields: ['name'] }, actions: [{ id: 's', type: 'record.update', set: { [field]: value } }] });
      await e.workflows.deploy('default', inc('set-stage', 'stage', '"Proposal"'));
      await e.workflows.deploy('default', inc('bump-amount', 'amount', 'has(record.amount) ? record.amount + 1.0 : 1.0'));
      for (let d = 0; d < 10; d++) await e.records.create('default', 'deal', { name: `deal ${d}` }, USER, `d${d}`);
      for (let round = 0; round < 5; round++) {
        for (let d = 0; d < 10; d++) await e.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: `d${d}`, data: { name: `deal ${d} r${round}` }, actor: USER });
      }
      const running = new Map<string, number>();
      let overlap = 0;
      e.events.on('execution:claimed', (x) => { const n = (running.get(x.lane) ?? 0) + 1; running.set(x.lane, n); if (n > 1) overlap++; });
      e.events.on('execution:finished', (x) => { running.set(x.lane, (running.get(x.lane) ?? 1) - 1); });
      // The background loop claims while earlier claims still run, as in production.
      const finished = new Promise<void>((resolve) => { let n = 0; e.events.on('execution:finished', () => { if (++n === 100) resolve(); }); });
      e.worker.start();
      await finished;
      await e.worker.stop();
      expect(overlap).toBe(0);
      for (let d = 0; d < 10; d++) {
        const deal = await e.records.get('default', 'deal', `d${d}`);
        expect(deal.data).toMatchObject({ stage: 'Proposal', amount: 5 });
      }
    });

    it('conditions see the record as it is when the execution runs, not when it was queued', async () => {
      const e = await engine();
      await e.workflows.deploy('default', { ...bumpOnCreate(), conditions: ['record.amount > 100.0'] });
      await e.records.create('default', 'deal', { name: 'Acme', amount: 500 }, USER, 'd1');
      await e.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: 50 }, actor: USER });
      await e.worker.drain();
      const [exec] = await e.store.listExecutions({ tenant: 'default' });
      expect(exec?.status).toBe('skipped');
      expect(exec?.reason).toMatch(/condition 0 is false: record.amount > 100.0/);
    });
  });
});
