// The tour, through the HTTP API: deploy the examples, create a lead, let the worker run, read
// the audit trail; plus the graph, metrics and OpenAPI documents.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { read, testApi, type TestApi } from '../helpers/api.js';
import { exampleDefinitions } from '../helpers/engine.js';

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

describe('a new lead through the API', () => {
  it('is assigned an owner and gets a follow-up task; history names the workflow, version and execution', async () => {
    for (const def of exampleDefinitions() as { id: string }[]) {
      const res = await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def.id}`, payload: def });
      expect(res.statusCode).toBe(201);
    }
    const created = await api.app.inject({ method: 'POST', url: '/v1/records/lead', payload: { id: 'lead-42', name: 'Ada Lovelace', email: 'ada@example.com', territory: 'EMEA' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({ version: 1, data: { name: 'Ada Lovelace' } });
    // The write returned before any workflow ran.
    expect((await api.app.inject({ method: 'GET', url: '/v1/records/lead/lead-42' })).json()).not.toHaveProperty('data.owner');

    await api.engine.worker.drain();

    const lead = read<{ version: number; data: Record<string, unknown> }>((await api.app.inject({ method: 'GET', url: '/v1/records/lead/lead-42' })));
    expect(lead.data.owner).toBe('rep-emea');
    const [execution] = read<{ items: { id: string; status: string }[] }>((await api.app.inject({ method: 'GET', url: '/v1/executions?workflow=assign-new-lead' }))).items;
    expect(execution?.status).toBe('succeeded');
    const detail = read<{ steps: { stepId: string; status: string; durationMs: number }[] }>((await api.app.inject({ method: 'GET', url: `/v1/executions/${execution!.id}` })));
    expect(detail.steps.map((s) => [s.stepId, s.status])).toEqual([['assign-owner', 'succeeded'], ['follow-up', 'succeeded']]);

    const history = read<{ items: { operation: string; changedFields: string[]; actor: Record<string, unknown>; cause: Record<string, unknown> }[] }>((await api.app.inject({ method: 'GET', url: '/v1/records/lead/lead-42/history' }))).items;
    expect(history.map((c) => c.operation)).toEqual(['created', 'updated']);
    expect(history[0]?.actor).toEqual({ kind: 'user', id: 'api:default' });
    expect(history[1]?.changedFields).toEqual(['assigned_at', 'owner']);
    expect(history[1]?.actor).toEqual({ kind: 'workflow', workflowId: 'assign-new-lead', version: 1, executionId: execution!.id, stepId: 'assign-owner' });
    expect(history[1]?.cause).toMatchObject({ depth: 1, executionId: execution!.id, workflowId: 'assign-new-lead', version: 1 });

    const tasks = read<{ items: { id: string; data: Record<string, unknown> }[] }>((await api.app.inject({ method: 'GET', url: '/v1/records/task' }))).items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.data).toMatchObject({ subject: 'Call Ada Lovelace', related_type: 'lead', related_id: 'lead-42', owner: 'rep-emea', status: 'open' });
    const taskHistory = read<{ items: { actor: Record<string, unknown> }[] }>((await api.app.inject({ method: 'GET', url: `/v1/records/task/${tasks[0]!.id}/history` }))).items;
    expect(taskHistory[0]?.actor).toMatchObject({ kind: 'workflow', workflowId: 'assign-new-lead', version: 1, executionId: execution!.id, stepId: 'follow-up' });
  });

  it('deploying an unchanged definition makes no new version; a change makes version 2', async () => {
    const [def] = exampleDefinitions() as { id: string; name: string }[];
    expect((await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def!.id}`, payload: def })).json()).toMatchObject({ version: 1, created: true });
    expect((await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def!.id}`, payload: def })).json()).toMatchObject({ version: 1, created: false });
    expect((await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def!.id}`, payload: { ...def, name: 'renamed' } })).json()).toMatchObject({ version: 2, created: true });
    const shown = read<{ versions: unknown[] }>((await api.app.inject({ method: 'GET', url: `/v1/workflows/${def!.id}` })));
    expect(shown.versions).toHaveLength(2);
  });

  it('a disabled workflow does not fire; enabling it again does', async () => {
    const [def] = exampleDefinitions() as { id: string }[];
    await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def!.id}`, payload: def });
    expect((await api.app.inject({ method: 'POST', url: `/v1/workflows/${def!.id}/disable` })).json()).toMatchObject({ enabled: false });
    await api.app.inject({ method: 'POST', url: '/v1/records/lead', payload: { id: 'a', name: 'A' } });
    await api.app.inject({ method: 'POST', url: `/v1/workflows/${def!.id}/enable` });
    await api.app.inject({ method: 'POST', url: '/v1/records/lead', payload: { id: 'b', name: 'B' } });
    const items = read<{ items: { recordId: string }[] }>((await api.app.inject({ method: 'GET', url: '/v1/executions' }))).items;
    expect(items.map((e) => e.recordId)).toEqual(['b']);
  });

  it('serves the graph, metrics and the OpenAPI document', async () => {
    const cycle = ['a', 'b'].map((id, i) => ({ id, name: id, object: 'deal', trigger: { on: 'field_changed', field: i ? 'stage' : 'priority' }, actions: [{ id: 's', type: 'record.update', set: i ? { priority: 'record.stage' } : { stage: 'record.priority' } }] }));
    const graph = await api.app.inject({ method: 'POST', url: '/v1/graph', payload: { definitions: cycle } });
    expect(read<{ cycles: { path: string[] }[] }>(graph).cycles[0]?.path).toEqual(['a', 'b', 'a']);
    const refused = await api.app.inject({ method: 'PUT', url: '/v1/workflows/b', payload: cycle[1] });
    expect(refused.statusCode).toBe(201); // b alone is no cycle
    const closing = await api.app.inject({ method: 'PUT', url: '/v1/workflows/a', payload: cycle[0] });
    expect(closing.statusCode).toBe(409);
    expect(closing.json()).toMatchObject({ code: 'WORKFLOW_CYCLE' });
    const mermaid = await api.app.inject({ method: 'GET', url: '/v1/graph?format=mermaid' });
    expect(mermaid.body).toMatch(/^flowchart LR/);

    await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { id: 'd', name: 'D', stage: 'Proposal' } });
    await api.engine.worker.drain();
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('switchyard_executions_finished_total{tenant="default",workflow="b",status="succeeded"} 1');
    expect(metrics.body).toContain('switchyard_executions{status="succeeded"} 1');
    const openapi = read<{ paths: Record<string, unknown> }>((await api.app.inject({ method: 'GET', url: '/openapi.json' })));
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/records/{type}/{id}/history', '/v1/dead-letters/replay', '/v1/graph', '/metrics']));
  });
});
