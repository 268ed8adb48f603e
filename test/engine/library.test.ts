// The library face: createEngine from the package entry, workflows as typed TypeScript objects.
import { describe, expect, it } from 'vitest';
import { createEngine, defineWorkflow, isSwitchyardError, ManualClock, SqliteStore } from '../../src/index.js';

describe('library API', () => {
  it('defineWorkflow checks a TypeScript object with the same schema as files', () => {
    const ok = defineWorkflow({ id: 'ts-flow', name: 'TS', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { priority: '"high"' } }] });
    expect(ok.id).toBe('ts-flow');
    let error: unknown;
    try {
      defineWorkflow({ id: 'Bad Id', name: 'x', object: 'deal', trigger: { on: 'created' }, actions: [] });
    } catch (e) {
      error = e;
    }
    expect(isSwitchyardError(error) && error.code).toBe('WORKFLOW_INVALID');
    expect(isSwitchyardError(error) && error.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/id', '/actions']));
  });

  it('createEngine runs a defined workflow on an in-memory store', async () => {
    const engine = createEngine({ store: new SqliteStore({ path: ':memory:' }), clock: new ManualClock(), runWorker: false });
    await engine.start();
    await engine.workflows.deploy('default', defineWorkflow({
      id: 'flag', name: 'flag', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { priority: '"high"' } }],
    }));
    await engine.records.create('default', 'deal', { name: 'Acme' }, { kind: 'user', id: 'u' }, 'd1');
    await engine.worker.drain();
    expect((await engine.records.get('default', 'deal', 'd1')).data.priority).toBe('high');
    await engine.stop();
    await engine.store.close();
  });
});
