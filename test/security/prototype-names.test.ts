// User-given names that are also Object.prototype members ("constructor", "__proto__",
// "toString"...) are names like any other: an unknown action type, field or object type is a 400
// naming its path, never a 500 and never silently accepted; nothing is stored; no prototype is
// polluted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConnectors } from '../../src/actions/connectors/config.js';
import { testApi, type TestApi } from '../helpers/api.js';

const PROTOTYPE_NAMES = [
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'prototype',
];

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

type Injected = Awaited<ReturnType<TestApi['app']['inject']>>;

/** A JSON body as text, so a "__proto__" key is sent as written (a JS literal would set the prototype). */
function send(method: 'PUT' | 'POST' | 'PATCH', url: string, body: unknown): Promise<Injected> {
  return api.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}

/** { [name]: value } with the name as an own key, whatever it is. */
function own(name: string, value: unknown): Record<string, unknown> {
  return Object.fromEntries([[name, value]]);
}

function expectProblem(res: Injected, status: number, code: string, path: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  const body = res.json<{ code: string; errors?: { path: string }[] }>();
  expect(body.code).toBe(code);
  expect(body.errors?.map((e) => e.path)).toContain(path);
}

const workflow = (patch: Record<string, unknown>): Record<string, unknown> => ({
  id: 'wf', name: 'wf', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { status: '"new"' } }], ...patch,
});

async function expectNoWorkflow(): Promise<void> {
  expect(await api.engine.store.listWorkflows('default')).toEqual([]);
}

describe.each(PROTOTYPE_NAMES)('the name %s', (name) => {
  it('as an action type: deploy gives 400 WORKFLOW_INVALID at /actions/0/type, no version', async () => {
    expectProblem(await send('PUT', '/v1/workflows/wf', workflow({ actions: [{ id: 'a', type: name }] })), 400, 'WORKFLOW_INVALID', '/actions/0/type');
    await expectNoWorkflow();
  });

  it('as a fallback type: deploy gives 400 at /actions/0/fallback/0/type', async () => {
    const actions = [{ id: 'a', type: 'record.update', set: { status: '"new"' }, fallback: [{ type: name }] }];
    expectProblem(await send('PUT', '/v1/workflows/wf', workflow({ actions })), 400, 'WORKFLOW_INVALID', '/actions/0/fallback/0/type');
    await expectNoWorkflow();
  });

  it('as an action type in POST /v1/graph: 400, nothing deployed', async () => {
    const res = await send('POST', '/v1/graph', { definitions: [workflow({ actions: [{ id: 'a', type: name }] })] });
    expectProblem(res, 400, 'WORKFLOW_INVALID', '/actions/0/type');
    await expectNoWorkflow();
  });

  it('as a field in a set, a trigger field or an object type: 400 naming the path', async () => {
    const set = workflow({ actions: [{ id: 'a', type: 'record.update', set: own(name, '"x"') }] });
    // A __proto__ key in JSON is refused by the body parser (the YAML case is tested below).
    if (name === '__proto__') expectProblem(await send('PUT', '/v1/workflows/wf', set), 400, 'MALFORMED_BODY', '');
    else expectProblem(await send('PUT', '/v1/workflows/wf', set), 400, 'WORKFLOW_INVALID', `/actions/0/set/${name}`);
    const trigger = workflow({ trigger: { on: 'field_changed', field: name } });
    expectProblem(await send('PUT', '/v1/workflows/wf', trigger), 400, 'WORKFLOW_INVALID', '/trigger/field');
    const watched = workflow({ trigger: { on: 'updated', fields: [name] } });
    expectProblem(await send('PUT', '/v1/workflows/wf', watched), 400, 'WORKFLOW_INVALID', '/trigger/fields/0');
    expectProblem(await send('PUT', '/v1/workflows/wf', workflow({ object: name })), 400, 'WORKFLOW_INVALID', '/object');
    const create = workflow({ actions: [{ id: 'a', type: 'record.create', object: name, set: { subject: '"x"' } }] });
    expectProblem(await send('PUT', '/v1/workflows/wf', create), 400, 'WORKFLOW_INVALID', '/actions/0/object');
    await expectNoWorkflow();
  });

  it('as a record field: create and patch give 400 VALIDATION_FAILED "unknown field", nothing stored', async () => {
    // __proto__ in a JSON body is refused by the body parser itself (onProtoPoisoning: error).
    const createRes = await send('POST', '/v1/records/lead', { id: 'l1', name: 'Ada', ...own(name, 1) });
    if (name === '__proto__') expect(createRes.json<{ code: string }>().code).toBe('MALFORMED_BODY');
    else {
      expectProblem(createRes, 400, 'VALIDATION_FAILED', `/${name}`);
      expect(createRes.json<{ detail: string }>().detail).toContain('unknown field');
    }
    expect(createRes.statusCode).toBe(400);
    expect(await api.engine.store.getRecord('default', 'lead', 'l1')).toBeUndefined();

    expect((await send('POST', '/v1/records/lead', { id: 'l2', name: 'Ada' })).statusCode).toBe(201);
    const patchRes = await send('PATCH', '/v1/records/lead/l2', own(name, 'x'));
    expect(patchRes.statusCode).toBe(400);
    if (name !== '__proto__') expectProblem(patchRes, 400, 'VALIDATION_FAILED', `/${name}`);
    const stored = await api.engine.store.getRecord('default', 'lead', 'l2');
    expect(stored?.version).toBe(1);
    expect(Object.keys(stored?.data ?? {})).toEqual(['name']);
  });

  it('as an object type in the URL: 404 UNKNOWN_OBJECT_TYPE', async () => {
    const res = await send('POST', `/v1/records/${encodeURIComponent(name)}`, { name: 'x' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ code: string }>().code).toBe('UNKNOWN_OBJECT_TYPE');
  });
});

describe('__proto__ in bodies never pollutes a prototype', () => {
  it('JSON bodies with __proto__ or constructor.prototype are refused (400) and pollute nothing', async () => {
    const bodies = ['{"id":"p1","__proto__":{"polluted":1}}', '{"id":"p2","constructor":{"prototype":{"polluted":1}}}', '{"id":"p3","name":"x","nested":{"__proto__":{"polluted":1}}}'];
    for (const payload of bodies) {
      const res = await api.app.inject({ method: 'POST', url: '/v1/records/lead', headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await api.engine.store.listRecords('default', 'lead', 10)).toEqual([]);
  });

  it('a YAML workflow with a __proto__ key is refused as an unknown field, and pollutes nothing', async () => {
    const yaml = 'id: wf\nname: wf\nobject: lead\ntrigger: { on: created }\nactions:\n  - id: a\n    type: record.update\n    set: { __proto__: \'"x"\' }\n';
    const res = await api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', headers: { 'content-type': 'application/yaml' }, payload: yaml });
    expectProblem(res, 400, 'WORKFLOW_INVALID', '/actions/0/set/__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectNoWorkflow();
  });
});

describe('connector secrets named after prototype members', () => {
  it.each(['constructor', 'toString', '__proto__'])('a secret read from env or file key %s that is not set is a CONFIG_INVALID problem', (name) => {
    const configs = [
      { name: 'by-env', type: 'http', settings: { baseUrl: 'https://api.example' }, secrets: { auth: { env: name } } },
      { name: 'by-file', type: 'http', settings: { baseUrl: 'https://api.example' }, secrets: { auth: { file: name } } },
    ];
    let thrown: unknown;
    try {
      resolveConnectors(configs, { env: {}, secretsFile: {} });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { code?: string }).code).toBe('CONFIG_INVALID');
    const paths = ((thrown as { problems?: { path: string }[] }).problems ?? []).map((p) => p.path);
    expect(paths).toEqual(['/0/secrets/auth', '/1/secrets/auth']);
  });
});
