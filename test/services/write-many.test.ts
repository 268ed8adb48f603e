// Many record writes in one transaction (RecordsService.writeMany, intake.applyWrites), on both
// stores: set-based (on PostgreSQL the statements do not grow with the number of writes), yet each
// write decided as if it were alone: writes to one record see each other, a loop guard sees what
// the writes before it queued, and one bad write rolls back all of them, saying which it was.
import { afterEach, expect, it } from 'vitest';
import { SwitchyardError } from '../../src/errors.js';
import type { WriteCommand } from '../../src/services/intake.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine | undefined;
afterEach(async () => { await closeEngine(engine); engine = undefined; });

const T = 'default';
const onCreated = { id: 'greet', name: 'greet', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 't', type: 'record.create', object: 'task', set: { subject: '"hello " + record.name' } }] };
const onStage = {
  id: 'stage-watch', name: 'stage-watch', object: 'deal', trigger: { on: 'field_changed', field: 'stage' },
  reentry: { policy: 'once' }, actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }],
};
const create = (id: string, data: Record<string, string> = { name: id }): WriteCommand => ({ op: 'create', tenant: T, type: 'deal', id, data, actor: USER });
const patch = (id: string, data: Record<string, string>): WriteCommand => ({ op: 'patch', tenant: T, type: 'deal', id, data, actor: USER });

await forEachStore('writeMany', (make) => {
  it('commits every write and its executions; on PostgreSQL in as many statements for 200 writes as for 10', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    const e = engine;
    const statements = async (n: number, prefix: string): Promise<number> => {
      const before = e.store.statementCount?.() ?? 0;
      const results = await e.records.writeMany(T, Array.from({ length: n }, (_, i) => create(`${prefix}${i}`)));
      expect(results.map((r) => r.executions)).toEqual(Array(n).fill(1));
      return (e.store.statementCount?.() ?? 0) - before;
    };
    const ten = await statements(10, 'a');
    const twoHundred = await statements(200, 'b');
    if (e.store.backend === 'postgres') expect(twoHundred).toBe(ten);
    expect(await e.store.listRecords(T, 'deal', 1000)).toHaveLength(210);
    const queued = await e.store.listExecutions({ tenant: T, limit: 1000 });
    expect(queued.filter((x) => x.status === 'queued')).toHaveLength(210);
    await e.worker.drain();
    expect(await e.store.listRecords(T, 'task', 1000)).toHaveLength(210);
  });

  it('two creates of one id at once: one commits with its execution, the other is RECORD_EXISTS at /id and leaves nothing', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    await engine.records.write(create('warm'));
    const outcomes = await Promise.allSettled([engine.records.write(create('same', { name: 'a' })), engine.records.write(create('same', { name: 'b' }))]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as SwitchyardError] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'RECORD_EXISTS', problems: [{ path: '/id', message: 'already exists' }] });
    expect(await engine.store.listChanges(T, 'deal', 'same')).toHaveLength(1);
    expect(await engine.store.listExecutions({ tenant: T, recordId: 'same' })).toHaveLength(1);
  });

  it('writes to one record see each other in order: create then patch leaves version 2 and two changes', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    await engine.workflows.deploy(T, onStage);
    const [created, patched] = await engine.records.writeMany(T, [create('d1', { name: 'Acme', stage: 'Lead' }), patch('d1', { stage: 'Proposal' })]);
    expect(created?.record?.version).toBe(1);
    expect(patched?.record).toMatchObject({ version: 2, data: { name: 'Acme', stage: 'Proposal' } });
    const stored = await engine.store.getRecord(T, 'deal', 'd1');
    expect(stored).toMatchObject({ version: 2, data: { name: 'Acme', stage: 'Proposal' }, createdAt: created?.record?.createdAt });
    const history = await engine.store.listChanges(T, 'deal', 'd1');
    expect(history.map((c) => [c.operation, c.versionBefore, c.versionAfter])).toEqual([['created', null, 1], ['updated', 1, 2]]);
    // The create matched greet and (as a field_changed trigger fires on create) stage-watch; the patch stage-watch again.
    const execs = await engine.store.listExecutions({ tenant: T, recordId: 'd1' });
    expect(execs.map((x) => x.triggerKey).sort()).toEqual([history[0]!.id, history[0]!.id, history[1]!.id].sort());
  });

  it('a loop guard sees the executions queued by the writes before it in the same transaction', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onStage);
    await engine.records.create(T, 'deal', { name: 'Acme' }, USER, 'd1');
    await engine.records.writeMany(T, [patch('d1', { stage: 'Proposal' }), patch('d1', { stage: 'Won' })]);
    const execs = (await engine.store.listExecutions({ tenant: T, workflowId: 'stage-watch' })).reverse();
    expect(execs.map((x) => x.status)).toEqual(['queued', 'skipped']);
    expect(execs[1]?.reason).toMatch(/loop guard \(reentry\): already ran once for deal\/d1/);
  });

  it('one bad write rolls back all of them and says which one it was', async () => {
    engine = await make();
    await engine.workflows.deploy(T, onCreated);
    await engine.records.create(T, 'deal', { name: 'Taken' }, USER, 'taken');
    const error = await engine.records.writeMany(T, [create('n1'), create('n2'), create('taken'), create('n3')]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toMatchObject({ code: 'RECORD_EXISTS', extra: { index: 2 } });
    expect((error as Error).message).toMatch(/^command 2 \(deal taken\)/);
    const bad = await engine.records.writeMany(T, [create('n1'), create('n2', { name: 'x', amount: 'lots' })]).catch((err: unknown) => err);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', extra: { index: 1 } });
    expect((bad as SwitchyardError).problems[0]?.path).toMatch(/^\/1\//);
    expect((await engine.store.listRecords(T, 'deal', 10)).map((r) => r.id)).toEqual(['taken']);
    expect(await engine.store.listExecutions({ tenant: T })).toHaveLength(1);
  });

  it('refuses more writes than one transaction takes', async () => {
    engine = await make();
    const cmds = Array.from({ length: 1001 }, (_, i) => create(`x${i}`));
    await expect(engine.records.writeMany(T, cmds)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await engine.store.listRecords(T, 'deal', 10)).toEqual([]);
  });
});
