// The intake on both stores: a manual occurrence queues one execution (once, however often it is
// submitted) and runs through the normal worker; many writes commit in one transaction with one
// wake-up; a rolled-back transaction wakes no one and delivers nothing.
import { afterEach, expect, it } from 'vitest';
import type { AlertRow } from '../../src/domain/types.js';
import { Catalog } from '../../src/services/catalog.js';
import { applyWrite, applyWrites, transact, transactAndFlush, type OutboxSink, type WriteCommand, type WriteDeps } from '../../src/services/intake.js';
import { LoopGuard } from '../../src/services/loop-guard.js';
import type { Outbox } from '../../src/services/outbox.js';
import { occurrenceCause, type Occurrence } from '../../src/triggers/occurrence.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine | undefined;
afterEach(async () => { await closeEngine(engine); engine = undefined; });

const T = 'default';
const flagOnWon = { id: 'flag', name: 'flag', object: 'deal', trigger: { on: 'field_changed', field: 'stage', to: 'Won' }, actions: [{ id: 'set', type: 'record.update', set: { priority: '"high"' } }] };
const onCreated = { id: 'greet', name: 'greet', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 't', type: 'record.create', object: 'task', set: { subject: '"hello " + record.name' } }] };
const manual = (key: string, workflowId: string, recordId: string): Occurrence => ({
  kind: 'manual', tenant: T, key, workflowId, payload: { button: 'run now' }, record: { type: 'deal', id: recordId }, at: engine!.clock.now(), cause: occurrenceCause('manual', key),
});

/** A sink that counts what a flush does. */
function countingSink(): OutboxSink & { wakes: number; delivered: AlertRow[] } {
  const sink = { wakes: 0, delivered: [] as AlertRow[], store: { notifyQueued: async () => { sink.wakes++; } }, alerts: { deliver: async (a: AlertRow) => { sink.delivered.push(a); } } };
  return sink;
}

function writeDeps(e: TestEngine): WriteDeps {
  return { clock: e.clock, loopGuard: new LoopGuard((t) => e.config.loopLimits(t)) };
}

await forEachStore('intake', (make) => {
  it('a manual occurrence queues one execution, once however often submitted, and runs to completion', async () => {
    engine = await make();
    await engine.workflows.deploy(T, flagOnWon);
    await engine.records.create(T, 'deal', { name: 'Acme', stage: 'Proposal' }, USER, 'd1');
    expect((await engine.occurrences.submit(manual('button-1', 'flag', 'd1'))).executions).toBe(1);
    expect((await engine.occurrences.submit(manual('button-1', 'flag', 'd1'))).executions).toBe(0);
    const [exec, ...rest] = await engine.store.listExecutions({ tenant: T, workflowId: 'flag' });
    expect(rest).toHaveLength(0);
    expect(exec).toMatchObject({ occurrenceKind: 'manual', triggerKey: 'button-1', recordType: 'deal', recordId: 'd1', status: 'queued', rootChangeId: 'manual:button-1' });
    expect(exec!.input).toMatchObject({ occurrence: 'manual', payload: { button: 'run now' } });
    await engine.worker.drain();
    expect((await engine.store.getExecution(T, exec!.id))?.status).toBe('succeeded');
    expect((await engine.store.getRecord(T, 'deal', 'd1'))?.data.priority).toBe('high');
    // A manual occurrence naming a workflow that is not deployed queues nothing.
    expect((await engine.occurrences.submit(manual('button-2', 'nope', 'd1'))).executions).toBe(0);
  });

  it('many writes in one transaction commit together, with one wake-up', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    const e = engine;
    const catalog = await new Catalog(e.store, e.config.objectTypes).forTenant(T);
    const cmds: WriteCommand[] = ['a', 'b', 'c'].map((id) => ({ op: 'create', tenant: T, type: 'deal', id, data: { name: id }, actor: USER }));
    const sink = countingSink();
    const { value, outbox } = await transact(e.store, (tx, ob) => applyWrites(tx, ob, catalog, cmds, writeDeps(e)));
    expect(value.map((r) => r.executions)).toEqual([1, 1, 1]);
    await outbox.flush(sink);
    expect(sink.wakes).toBe(1);
    await outbox.flush(sink); // flushed work is gone: a second flush does nothing
    expect(sink.wakes).toBe(1);
    expect((await e.store.listExecutions({ tenant: T })).filter((x) => x.status === 'queued')).toHaveLength(3);
    expect((await e.store.listRecords(T, 'deal', 10)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('the outbox delivers nothing when the transaction rolled back, and everything once it committed', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    const e = engine;
    const catalog = await new Catalog(e.store, e.config.objectTypes).forTenant(T);
    // A write at causal depth 5 is stopped by the depth guard: a skipped execution and a loop alert.
    const deep = (id: string): WriteCommand => ({
      op: 'create', tenant: T, type: 'deal', id, data: { name: id },
      actor: { kind: 'workflow', workflowId: 'x', version: 1, executionId: 'e0', stepId: 's' },
      parent: { rootChangeId: 'root', depth: 5, executionId: 'e0', workflowId: 'x', version: 1, path: ['x'] },
    });
    const queued = async (tx: Parameters<Parameters<typeof transact>[1]>[0], ob: Outbox, id: string): Promise<void> => {
      await applyWrite(tx, catalog, deep(id), writeDeps(e), ob);
      await applyWrite(tx, catalog, { op: 'create', tenant: T, type: 'deal', id: `${id}-user`, data: { name: id }, actor: USER }, writeDeps(e), ob);
    };
    const rolledBack = countingSink();
    let seen: { wake: boolean; alerts: number } | undefined;
    const error = await transactAndFlush({ ...rolledBack, store: { transaction: e.store.transaction.bind(e.store), notifyQueued: rolledBack.store.notifyQueued } }, async (tx, ob) => {
      await queued(tx, ob, 'r');
      seen = { wake: ob.pending.wake, alerts: ob.pending.alerts.length };
      throw new Error('rolled back');
    }).catch((err: unknown) => err);
    expect((error as Error).message).toBe('rolled back');
    expect(seen).toEqual({ wake: true, alerts: 1 }); // the work was collected...
    expect(rolledBack.wakes).toBe(0); // ...and never done
    expect(rolledBack.delivered).toEqual([]);
    expect(await e.store.listExecutions({ tenant: T })).toEqual([]);
    expect(await e.store.getRecord(T, 'deal', 'r')).toBeUndefined();

    const committed = countingSink();
    await transactAndFlush({ ...committed, store: { transaction: e.store.transaction.bind(e.store), notifyQueued: committed.store.notifyQueued } }, (tx, ob) => queued(tx, ob, 'k'));
    expect(committed.wakes).toBe(1);
    expect(committed.delivered.map((a) => a.kind)).toEqual(['loop']);
  });
});
