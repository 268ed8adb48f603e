// Triggers, steps and tenants at run time.
import { afterEach, describe, expect, it } from 'vitest';
import { testApi, read, type TestApi } from '../helpers/api.js';
import { sqliteEngine, USER, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine | undefined;
afterEach(async () => { await engine?.stop(); await engine?.store.close(); engine = undefined; });

const deal = (id: string, trigger: object, actions: object[], extra: object = {}) => ({ id, name: id, object: 'deal', trigger, actions, ...extra });
const set = (fields: Record<string, string>, extra: object = {}) => ({ id: 'set', type: 'record.update', set: fields, ...extra });

describe('triggers at run time', () => {
  it('field_changed with from/to fires only on that transition', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('won', { on: 'field_changed', field: 'stage', from: 'Negotiation', to: 'Closed Won' }, [set({ priority: '"won"' })]));
    await engine.records.create('default', 'deal', { name: 'A', stage: 'Proposal', amount: 10 }, USER, 'd1');
    for (const stage of ['Closed Won', 'Negotiation', 'Lost', 'Negotiation', 'Closed Won']) {
      await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { stage }, actor: USER });
    }
    const execs = await engine.store.listExecutions({ tenant: 'default' });
    expect(execs).toHaveLength(1);
  });

  it('deleted triggers see the record as it was; record.delete deletes', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('cleanup', { on: 'field_changed', field: 'stage', to: 'Spam' }, [{ id: 'rm', type: 'record.delete' }]));
    await engine.workflows.deploy('default', { id: 'log', name: 'log', object: 'deal', trigger: { on: 'deleted' }, conditions: ['record.name == "Junk"'],
      actions: [{ id: 't', type: 'record.create', object: 'task', set: { subject: '"deleted " + record.name' } }] });
    await engine.records.create('default', 'deal', { name: 'Junk' }, USER, 'd1');
    await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { stage: 'Spam' }, actor: USER });
    await engine.worker.drain();
    expect(await engine.store.getRecord('default', 'deal', 'd1')).toBeUndefined();
    const tasks = await engine.store.listRecords('default', 'task', 10);
    expect(tasks.map((t) => t.data.subject)).toEqual(['deleted Junk']);
  });

  it('a write that changes nothing records no change and triggers nothing', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('any', { on: 'updated' }, [set({ priority: '"x"' })], { loop: { allowCycle: 'sets a constant; the second pass changes nothing' } }));
    await engine.records.create('default', 'deal', { name: 'A' }, USER, 'd1');
    await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { name: 'A' }, actor: USER });
    expect(await engine.store.listChanges('default', 'deal', 'd1')).toHaveLength(1);
    expect(await engine.store.listExecutions({ tenant: 'default' })).toHaveLength(0);
  });
});

describe('steps', () => {
  it('an async step is its own durable job in the record lane; the workflow does not wait for it', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('two', { on: 'created' }, [
      set({ priority: '"high"' }),
      { id: 'later', type: 'record.create', object: 'task', mode: 'async', set: { subject: '"check " + record.name' } },
    ]));
    await engine.records.create('default', 'deal', { name: 'A' }, USER, 'd1');
    const [parent] = await engine.store.claimExecutions({ workerId: 'w', now: engine.clock.now(), leaseMs: 30_000, limit: 10 });
    await engine.store.transaction((tx) => tx.finishExecution({ executionId: parent!.id, attempt: 1 }, { status: 'queued' }));
    await engine.worker.drain();
    const execs = await engine.store.listExecutions({ tenant: 'default' });
    expect(execs.map((e) => [e.kind, e.status]).sort()).toEqual([['step', 'succeeded'], ['workflow', 'succeeded']]);
    const steps = await engine.store.listSteps(parent!.id);
    expect(steps.map((s) => [s.stepId, s.status])).toEqual([['set', 'succeeded'], ['later', 'enqueued']]);
    expect((await engine.store.listRecords('default', 'task', 10)).map((t) => t.data.subject)).toEqual(['check A']);
  });

  it('a step whose `when` is false is skipped, and one reading an unset field counts as false', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('w', { on: 'created' }, [
      set({ priority: '"high"' }, { when: 'record.amount > 100.0' }),
      { id: 'second', type: 'record.update', set: { owner: '"amy"' }, when: 'record.name == "A"' },
    ]));
    await engine.records.create('default', 'deal', { name: 'A' }, USER, 'd1');
    await engine.worker.drain();
    const [exec] = await engine.store.listExecutions({ tenant: 'default' });
    expect(exec?.status).toBe('succeeded');
    expect((await engine.store.listSteps(exec!.id)).map((s) => s.status)).toEqual(['skipped', 'succeeded']);
    expect((await engine.records.get('default', 'deal', 'd1')).data).toEqual({ name: 'A', owner: 'amy' });
  });

  it('a data step that breaks a validation rule dead-letters the execution and leaves the record as it was', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', deal('bad', { on: 'created' }, [set({ stage: '"Closed Won"', amount: '0.0' })]));
    await engine.records.create('default', 'deal', { name: 'A' }, USER, 'd1');
    await engine.worker.drain();
    const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'bad' });
    expect(exec?.status).toBe('failed');
    expect(exec?.reason).toMatch(/RULE_VIOLATED/);
    expect((await engine.records.get('default', 'deal', 'd1')).version).toBe(1);
  });

  it('orders conditions by measured cost and selectivity, not by the order written', async () => {
    engine = await sqliteEngine();
    const slow = 'record.name.matches("^(a|b|c|d|e|f|g|h)*x$")'; // false, and the costlier of the two
    await engine.workflows.deploy('default', deal('c', { on: 'created' }, [set({ priority: '"x"' })], { conditions: [slow, 'record.amount > 1000.0'] }));
    for (let i = 0; i < 30; i++) await engine.records.create('default', 'deal', { name: 'abcdefgh'.repeat(3), amount: 5 }, USER, `d${i}`);
    await engine.worker.drain();
    const reasons = (await engine.store.listExecutions({ tenant: 'default', limit: 100 })).map((e) => e.reason);
    // Written order runs the costly check first; once measured, the cheap check runs first and decides alone.
    expect(reasons.filter((r) => r?.startsWith('condition 0 is false')).length).toBe(1);
    expect(reasons.filter((r) => r?.startsWith('condition 1 is false')).length).toBe(29);
  });
});

describe('tenants', () => {
  let api: TestApi;
  afterEach(async () => { await api.close(); });

  it('a token sees and touches only its tenant\'s rows', async () => {
    api = await testApi({ tokens: [{ tenant: 'acme', token: 'acme-token-0123456789' }, { tenant: 'globex', token: 'globex-token-0123456789' }] });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await api.app.inject({ method: 'GET', url: '/v1/records/lead' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/v1/records/lead', headers: as('wrong-token-0123456789') })).statusCode).toBe(401);
    await api.app.inject({ method: 'POST', url: '/v1/records/lead', headers: as('acme-token-0123456789'), payload: { id: 'l1', name: 'Acme lead' } });
    expect((await api.app.inject({ method: 'GET', url: '/v1/records/lead/l1', headers: as('globex-token-0123456789') })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'PATCH', url: '/v1/records/lead/l1', headers: as('globex-token-0123456789'), payload: { name: 'x' } })).statusCode).toBe(404);
    expect(read<{ items: unknown[] }>(await api.app.inject({ method: 'GET', url: '/v1/records/lead', headers: as('globex-token-0123456789') })).items).toEqual([]);
    expect(read<{ data: { name: string } }>(await api.app.inject({ method: 'GET', url: '/v1/records/lead/l1', headers: as('acme-token-0123456789') })).data.name).toBe('Acme lead');
  });
});
