// A record field value nested 50,000 levels deep is a 400 VALIDATION_FAILED naming the field, by a
// depth check that is itself iterative; nothing is stored.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_VALUE_DEPTH, nestedDeeperThan } from '../../src/records/object-types.js';
import { testApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

const LEVELS = 50_000;
const deepObject = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

type Injected = Awaited<ReturnType<TestApi['app']['inject']>>;

function post(url: string, method: 'POST' | 'PATCH', payload: string): Promise<Injected> {
  return api.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload });
}

function expectFieldProblem(res: Injected, path: string): void {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  const body = res.json<{ code: string; errors?: { path: string; message: string }[] }>();
  expect(body.code).toBe('VALIDATION_FAILED');
  expect(body.errors?.map((e) => e.path)).toContain(path);
}

describe('deeply nested field values', () => {
  it.each([
    ['an object', deepObject(LEVELS)],
    ['an array', deepArray(LEVELS)],
    ['an object with "constructor" keys', `${'{"constructor":'.repeat(LEVELS)}1${'}'.repeat(LEVELS)}`],
  ])('%s 50,000 deep in a create: 400 naming the field, nothing stored', async (_name, value) => {
    const res = await post('/v1/records/lead', 'POST', `{"id":"deep","name":${value}}`);
    // "constructor" keys are refused by the body parser (constructorAction: error) before validation.
    if (value.includes('constructor')) expect(res.statusCode).toBe(400);
    else {
      expectFieldProblem(res, '/name');
      expect(res.json<{ detail: string }>().detail).toMatch(new RegExp(`more than ${MAX_VALUE_DEPTH} levels`));
    }
    expect(await api.engine.store.getRecord('default', 'lead', 'deep')).toBeUndefined();
  });

  it('in a patch and in a replace: 400, the record unchanged', async () => {
    expect((await post('/v1/records/lead', 'POST', '{"id":"l1","name":"Ada"}')).statusCode).toBe(201);
    expectFieldProblem(await post('/v1/records/lead/l1', 'PATCH', `{"company":${deepObject(LEVELS)}}`), '/company');
    const replaced = await api.app.inject({ method: 'PUT', url: '/v1/records/lead/l1', headers: { 'content-type': 'application/json', 'if-match': '"1"' }, payload: `{"name":${deepArray(LEVELS)}}` });
    expectFieldProblem(replaced, '/name');
    const stored = await api.engine.store.getRecord('default', 'lead', 'l1');
    expect(stored?.version).toBe(1);
    expect(stored?.data).toEqual({ name: 'Ada' });
  });

  it('in an unknown field: still a 400 naming it', async () => {
    expectFieldProblem(await post('/v1/records/lead', 'POST', `{"id":"deep","nmae":${deepObject(LEVELS)}}`), '/nmae');
    expect(await api.engine.store.getRecord('default', 'lead', 'deep')).toBeUndefined();
  });

  it('as the record id: a 400, not a 500', async () => {
    const res = await post('/v1/records/lead', 'POST', `{"id":${deepObject(LEVELS)},"name":"x"}`);
    expect(res.statusCode).toBe(400);
    expect(await api.engine.store.listRecords('default', 'lead', 10)).toEqual([]);
  });

  it('nested inside a workflow definition (JSON): 400 WORKFLOW_INVALID, nothing deployed', async () => {
    const def = `{"id":"wf","name":"wf","object":"lead","trigger":{"on":"created"},"description":${deepArray(LEVELS)},"actions":[{"id":"a","type":"record.update","set":{"name":${deepObject(LEVELS)}}}]}`;
    const res = await api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', headers: { 'content-type': 'application/json' }, payload: def });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string }>().code).toBe('WORKFLOW_INVALID');
    expect(await api.engine.store.listWorkflows('default')).toEqual([]);
  });

  it('the depth check is iterative and exact at the bound', () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { k: v };
      return v;
    };
    expect(nestedDeeperThan(nest(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nest(MAX_VALUE_DEPTH + 1), MAX_VALUE_DEPTH)).toBe(true);
    expect(nestedDeeperThan(nest(200_000), MAX_VALUE_DEPTH)).toBe(true); // would overflow a recursive check
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });
});
