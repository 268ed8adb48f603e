// Stop, pause, cancel over HTTP: the routes answer with counts, record the token's name as the
// actor, and refuse bad filters with problem+json naming the field.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApi, read, type TestApi } from '../helpers/api.js';
import { USER } from '../helpers/engine.js';

let api: TestApi;
beforeEach(async () => {
  api = await testApi();
  await api.engine.workflows.deploy('default', { id: 'tag', name: 'tag', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 's', type: 'record.update', set: { territory: '"US"' } }] });
  for (const id of ['l1', 'l2']) await api.engine.records.create('default', 'lead', { name: id }, USER, id);
});
afterEach(async () => { await api.close(); });

const post = (url: string, payload?: object) => (payload === undefined ? api.app.inject({ method: 'POST', url }) : api.app.inject({ method: 'POST', url, payload }));

describe('stop, pause, cancel over HTTP', () => {
  it('pauses and resumes a workflow, with or without a body; paused executions are listed with who and why', async () => {
    const paused = await post('/v1/workflows/tag/pause', { reason: 'checking the mapping' });
    expect(paused.statusCode).toBe(200);
    expect(read(paused)).toMatchObject({ held: 2, stopping: 0, hold: { workflowId: 'tag', actor: 'api:default', reason: 'checking the mapping' } });
    const list = read<{ items: { status: string; stoppedBy: string; stopReason: string }[] }>(await api.app.inject({ method: 'GET', url: '/v1/executions?status=paused' }));
    expect(list.items).toHaveLength(2);
    expect(list.items[0]).toMatchObject({ stoppedBy: 'api:default', stopReason: 'checking the mapping' });
    expect(read<{ items: unknown[] }>(await api.app.inject({ method: 'GET', url: '/v1/holds' })).items).toHaveLength(1);
    expect(read(await post('/v1/workflows/tag/resume'))).toEqual({ released: true, resumed: 2 });
    expect((await post('/v1/workflows/nope/pause')).json()).toMatchObject({ status: 404, code: 'WORKFLOW_NOT_FOUND' });
  });

  it('the emergency stop and its resume', async () => {
    const stop = await post('/v1/stop', { reason: 'runaway loop' });
    expect(read(stop)).toMatchObject({ held: 2, hold: { workflowId: '*', reason: 'runaway loop' } });
    expect(read(await post('/v1/resume'))).toEqual({ released: true, resumed: 2 });
  });

  it('cancels by filter and says how many; disable with cancelPending cancels what is pending', async () => {
    const one = await post('/v1/executions/cancel', { workflow: 'tag', record_type: 'lead', record_id: 'l1', reason: 'duplicate' });
    expect(one.statusCode).toBe(200);
    expect(read(one)).toEqual({ cancelled: 1, stopping: 0 });
    const rows = read<{ items: { recordId: string; status: string; stoppedBy: string | null; reason: string | null }[] }>(await api.app.inject({ method: 'GET', url: '/v1/executions' })).items;
    expect(rows.find((e) => e.recordId === 'l1')).toMatchObject({ status: 'cancelled', stoppedBy: 'api:default', reason: 'duplicate' });
    expect(rows.find((e) => e.recordId === 'l2')).toMatchObject({ status: 'queued' });
    const disabled = await post('/v1/workflows/tag/disable', { cancelPending: true });
    expect(read(disabled)).toMatchObject({ workflowId: 'tag', enabled: false, cancelled: 1, stopping: 0 });
    expect((await post('/v1/workflows/tag/enable')).statusCode).toBe(200);
    expect(read(await post('/v1/workflows/tag/disable'))).toMatchObject({ enabled: false });
  });

  it('refuses bad filters with problem+json naming the field, and cancels nothing', async () => {
    const cases: [object, string, string][] = [
      [{}, 'CANCEL_FILTER_REQUIRED', ''],
      [{ status: 'succeeded' }, 'VALIDATION_FAILED', '/body/status'],
      [{ record_id: 'l1' }, 'VALIDATION_FAILED', '/record_type'],
      [{ workflow: 'tag', recrod_type: 'lead' }, 'VALIDATION_FAILED', '/body/recrod_type'],
      [{ workflow: 'tag', reason: 'x'.repeat(1001) }, 'VALIDATION_FAILED', '/body/reason'],
    ];
    for (const [body, code, path] of cases) {
      const res = await post('/v1/executions/cancel', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const problem = res.json<{ code: string; errors?: { path: string }[] }>();
      expect(problem.code).toBe(code);
      expect(problem.errors?.[0]?.path ?? '').toBe(path);
    }
    expect(await api.engine.store.countExecutionsByStatus('default')).toEqual({ queued: 2 });
  });
});
