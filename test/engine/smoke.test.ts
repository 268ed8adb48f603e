import { afterEach, describe, expect, it } from 'vitest';
import { exampleDefinitions, sqliteEngine, USER, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
afterEach(async () => { await engine.stop(); await engine.store.close(); });

describe('record-triggered workflow on the embedded store', () => {
  it('assigns a new lead and creates a follow-up task, with history naming the execution', async () => {
    engine = await sqliteEngine();
    for (const def of exampleDefinitions()) await engine.workflows.deploy('default', def);
    const { record } = await engine.records.create('default', 'lead', { name: 'Ada', territory: 'EMEA' }, USER, 'lead-1');
    expect(record?.version).toBe(1);
    expect(await engine.worker.drain()).toBeGreaterThan(0);
    const lead = await engine.records.get('default', 'lead', 'lead-1');
    expect(lead.data.owner).toBe('rep-emea');
    const history = await engine.records.history('default', 'lead', 'lead-1');
    expect(history.map((c) => c.operation)).toEqual(['created', 'updated']);
    const [exec] = await engine.executions.list({ tenant: 'default', workflowId: 'assign-new-lead' });
    expect(exec?.status).toBe('succeeded');
    expect(history[1]?.actor).toMatchObject({ kind: 'workflow', workflowId: 'assign-new-lead', version: 1, executionId: exec?.id });
  });
});
