// Bad input gets a clear 4xx problem naming the field, and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

async function snapshot(): Promise<unknown> {
  const s = api.engine.store;
  return {
    leads: await s.listRecords('default', 'lead', 1000),
    deals: await s.listRecords('default', 'deal', 1000),
    workflows: await s.listWorkflows('default'),
    executions: await s.listExecutions({ tenant: 'default', limit: 1000 }),
  };
}

const WORKFLOW = { id: 'wf', name: 'wf', object: 'deal', trigger: { on: 'created' }, conditions: ['record.amount > 10.0'], actions: [{ id: 'a', type: 'record.update', set: { priority: '"high"' } }] };

describe('bad input', () => {
  beforeEach(async () => {
    await api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', payload: WORKFLOW });
    await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { id: 'd1', name: 'Acme', amount: 5 } });
  });

  const cases: [string, () => Promise<{ statusCode: number; json: () => unknown; headers: Record<string, unknown> }>, number, string, string?][] = [
    ['malformed JSON', () => api.app.inject({ method: 'POST', url: '/v1/records/deal', headers: { 'content-type': 'application/json' }, payload: '{"name": "x",' }), 400, 'MALFORMED_BODY'],
    ['a JSON array body', () => api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: [1, 2] }), 400, 'MALFORMED_BODY'],
    ['unknown object type', () => api.app.inject({ method: 'POST', url: '/v1/records/spaceship', payload: { name: 'x' } }), 404, 'UNKNOWN_OBJECT_TYPE'],
    ['wrong field type', () => api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { name: 'x', amount: 'lots' } }), 400, 'VALIDATION_FAILED', '/amount'],
    ['unknown field', () => api.app.inject({ method: 'PATCH', url: '/v1/records/deal/d1', payload: { amonut: 3 } }), 400, 'VALIDATION_FAILED', '/amonut'],
    ['a broken validation rule', () => api.app.inject({ method: 'PATCH', url: '/v1/records/deal/d1', payload: { stage: 'Closed Won', amount: 0 } }), 422, 'RULE_VIOLATED'],
    ['stale If-Match', () => api.app.inject({ method: 'PATCH', url: '/v1/records/deal/d1', headers: { 'if-match': '"7"' }, payload: { amount: 9 } }), 412, 'VERSION_CONFLICT'],
    ['replace without If-Match', () => api.app.inject({ method: 'PUT', url: '/v1/records/deal/d1', payload: { name: 'y' } }), 428, 'PRECONDITION_REQUIRED'],
    ['invalid CEL', () => api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', payload: { ...WORKFLOW, conditions: ['record.amount >'] } }), 400, 'WORKFLOW_INVALID', '/conditions/0'],
    ['unknown field in a condition', () => api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', payload: { ...WORKFLOW, conditions: ['record.amout > 10.0'] } }), 400, 'WORKFLOW_INVALID', '/conditions/0'],
    ['a set value of the wrong type', () => api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', payload: { ...WORKFLOW, actions: [{ id: 'a', type: 'record.update', set: { amount: '"big"' } }] } }), 400, 'WORKFLOW_INVALID', '/actions/0/set/amount'],
    ['unknown action type', () => api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', payload: { ...WORKFLOW, actions: [{ id: 'a', type: 'record.explode' }] } }), 400, 'WORKFLOW_INVALID', '/actions/0/type'],
    ['malformed YAML workflow', () => api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', headers: { 'content-type': 'application/yaml' }, payload: 'id: wf\nname: [unclosed' }), 400, 'WORKFLOW_INVALID'],
    ['a bad execution filter', () => api.app.inject({ method: 'GET', url: '/v1/executions?status=exploded' }), 400, 'VALIDATION_FAILED', '/querystring/status'],
    // A mistyped key must not be dropped: `workflow` alone would then select every dead letter of it.
    ['a mistyped key in a dead-letter selection', () => api.app.inject({ method: 'POST', url: '/v1/dead-letters/replay', payload: { workflow: 'wf', idz: ['x'] } }), 400, 'VALIDATION_FAILED', '/body/idz'],
  ];

  it.each(cases)('%s gives a clear problem and changes nothing', async (_name, send, status, code, path) => {
    const before = await snapshot();
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.json() as { code: string; detail: string; errors?: { path: string }[] };
    expect(body.code).toBe(code);
    expect(body.detail.length).toBeGreaterThan(5);
    if (path) expect(body.errors?.map((e) => e.path)).toContain(path);
    expect(await snapshot()).toEqual(before);
  });
});
