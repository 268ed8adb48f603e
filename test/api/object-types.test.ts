// Object types through the API (PUT /v1/objects/{type}): a field added is accepted by the next
// record write without a restart (and refused before), in this process and in another one on the
// same store; versions are numbered and an unchanged definition makes none; bad definitions and
// changes that would break a deployed workflow are refused with problem+json naming the path.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { testApi, read, type TestApi } from '../helpers/api.js';
import { closeEngine, forEachStore, type TestEngine } from '../helpers/engine.js';

const ADMIN = 'admin-token-0123456789';
const EDITOR = 'editor-token-0123456789';
const tokens = [
  { tenant: 'default', name: 'ada', role: 'admin' as const, token: ADMIN },
  { tenant: 'default', name: 'ed', role: 'editor' as const, token: EDITOR },
];
const region = { region: { type: 'string', values: ['EMEA', 'AMER', 'APAC'] } };

interface Problem { status: number; code: string; detail: string; errors: { path: string; message: string }[]; uses?: { workflowId: string; path: string; field: string }[] }

const putType = (app: FastifyInstance, type: string, payload: unknown, token = ADMIN) =>
  app.inject({ method: 'PUT', url: `/v1/objects/${type}`, payload: payload as object, headers: { authorization: `Bearer ${token}` } });
const createRecord = (app: FastifyInstance, type: string, payload: object, token = ADMIN) =>
  app.inject({ method: 'POST', url: `/v1/records/${type}`, payload, headers: { authorization: `Bearer ${token}` } });
const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${EDITOR}` } });

describe('object types over HTTP', () => {
  let api: TestApi;
  beforeEach(async () => { api = await testApi({ tokens }); });
  afterEach(async () => { await api.close(); });

  it('a field added through the API is refused before and accepted by the next write, with no restart; the same content makes no new version', async () => {
    const before = await createRecord(api.app, 'deal', { id: 'd1', name: 'Acme', region: 'EMEA' });
    expect(before.statusCode).toBe(400);
    expect(read<Problem>(before).errors).toEqual([{ path: '/region', message: 'unknown field "region" for object type deal' }]);

    const put = await putType(api.app, 'deal', { fields: region });
    expect(put.statusCode).toBe(201);
    expect(read(put)).toEqual({ type: 'deal', version: 1, created: true });

    expect((await createRecord(api.app, 'deal', { id: 'd1', name: 'Acme', region: 'EMEA' })).statusCode).toBe(201);
    const picklist = await createRecord(api.app, 'deal', { id: 'd2', region: 'Mars' });
    expect(read<Problem>(picklist).errors).toEqual([{ path: '/region', message: 'must be one of EMEA, AMER, APAC' }]);
    // A filter on the new field works too (the list reads the fresh catalog).
    expect(read<{ items: { id: string }[] }>(await get(api.app, '/v1/records/deal?region=EMEA')).items.map((r) => r.id)).toEqual(['d1']);

    const again = await putType(api.app, 'deal', { fields: { region: { values: ['EMEA', 'AMER', 'APAC'], type: 'string' } } });
    expect(again.statusCode).toBe(200);
    expect(read(again)).toEqual({ type: 'deal', version: 1, created: false });

    expect(read(await putType(api.app, 'deal', { fields: { ...region, tier: { type: 'integer' } } }))).toEqual({ type: 'deal', version: 2, created: true });
    const shown = read<{ type: string; version: number; fields: Record<string, unknown>; versions: { version: number; createdBy: string; createdAt: string; definition: unknown }[] }>(await get(api.app, '/v1/objects/deal'));
    expect(shown).toMatchObject({ type: 'deal', version: 2, fields: { amount: { type: 'number' }, region: region.region, tier: { type: 'integer' } } });
    expect(shown.versions.map((v) => [v.version, v.createdBy])).toEqual([[1, 'ada'], [2, 'ada']]);
    expect(shown.versions[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(shown.versions[0]?.definition).toEqual({ fields: region });

    const list = read<{ items: { type: string; version: number | null }[] }>(await get(api.app, '/v1/objects'));
    expect(list.items.find((t) => t.type === 'deal')?.version).toBe(2);
    expect(list.items.find((t) => t.type === 'lead')?.version).toBeNull();
  });

  it('a new custom type can be defined, with a rule that holds on the next write', async () => {
    expect((await createRecord(api.app, 'invoice', { id: 'i1' })).json()).toMatchObject({ status: 404, code: 'UNKNOWN_OBJECT_TYPE' });
    const put = await putType(api.app, 'invoice', {
      fields: { number: { type: 'string', required: true }, total: { type: 'number' } },
      rules: [{ name: 'positive', require: '!has(record.total) || record.total > 0.0', message: 'total must be above 0' }],
    });
    expect(put.statusCode).toBe(201);
    expect((await createRecord(api.app, 'invoice', { id: 'i1', number: 'INV-1', total: 10 })).statusCode).toBe(201);
    expect((await createRecord(api.app, 'invoice', { id: 'i2', number: 'INV-2', total: -1 })).json()).toMatchObject({ status: 422, code: 'RULE_VIOLATED' });
    expect(read<Problem>(await createRecord(api.app, 'invoice', { id: 'i3' })).errors).toEqual([{ path: '/number', message: 'field "number" is required for invoice' }]);
  });

  it('refuses bad definitions with problem+json naming the path, and stores nothing', async () => {
    const cases: [string, unknown, string][] = [
      ['deal', { fields: { region: { type: 'text' } } }, '/fields/region/type'],
      ['deal', { feilds: region }, '/feilds'],
      ['deal', { fields: { Region: { type: 'string' } } }, '/fields/Region'],
      ['deal', { rules: [{ name: 'r', require: 'record.regoin == "EMEA"', message: 'm' }] }, '/rules/0/require'],
      ['deal', { fields: region, rules: [{ name: 'r', when: 'record.region ==', require: 'true', message: 'm' }] }, '/rules/0/when'],
      ['deal', { indexes: ['stage'] }, '/indexes'],
      ['Deal', { fields: region }, '/type'],
    ];
    for (const [type, body, path] of cases) {
      const answer = await putType(api.app, type, body);
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      const problem = read<Problem>(answer);
      expect(problem.code).toBe('OBJECT_TYPE_INVALID');
      expect(problem.errors.map((e) => e.path), JSON.stringify(body)).toContain(path);
      expect(problem.detail).toContain(path);
    }
    const typo = read<Problem>(await putType(api.app, 'deal', { fields: { region: { type: 'text' } } }));
    expect(typo.errors).toEqual([{ path: '/fields/region/type', message: 'must be one of string, number, integer, boolean, datetime, got "text"' }]);
    expect(read<{ versions: unknown[] }>(await get(api.app, '/v1/objects/deal')).versions).toEqual([]);
  });

  it('refuses removing or retyping a field a deployed workflow reads, naming the workflow and the path; adding fields stays allowed', async () => {
    await putType(api.app, 'deal', { fields: region });
    await api.engine.workflows.deploy('default', {
      id: 'emea-deals', name: 'Tag EMEA deals', object: 'deal', trigger: { on: 'created' },
      conditions: ['record.amount > 1000.0', 'record.region == "EMEA"'], actions: [{ id: 'tag', type: 'record.update', set: { priority: '"high"' } }],
    });
    const removed = await putType(api.app, 'deal', { fields: { tier: { type: 'integer' } } });
    expect(removed.statusCode).toBe(409);
    const problem = read<Problem>(removed);
    expect(problem.code).toBe('OBJECT_TYPE_IN_USE');
    expect(problem.errors[0]).toEqual({ path: '/fields/region', message: 'this removes deal.region, and workflow emea-deals (v1) reads it at /conditions/1' });
    expect(problem.uses).toEqual([{ workflowId: 'emea-deals', version: 1, path: '/conditions/1', field: 'region' }]);

    const retyped = read<Problem>(await putType(api.app, 'deal', { fields: { region: { type: 'integer' } } }));
    expect(retyped.errors[0]?.message).toBe('this retypes deal.region from string to integer, and workflow emea-deals (v1) reads it at /conditions/1');
    // A configured field a workflow writes cannot be retyped through the API either.
    const written = read<Problem>(await putType(api.app, 'deal', { fields: { ...region, priority: { type: 'number' } } }));
    expect(written.errors.map((e) => e.message)).toContain('this retypes deal.priority from string to number, and workflow emea-deals (v1) writes it at /actions/0/set/priority');

    expect(read<{ version: number }>(await get(api.app, '/v1/objects/deal')).version).toBe(1);
    expect((await putType(api.app, 'deal', { fields: { ...region, tier: { type: 'integer' } } })).statusCode).toBe(201);
    // Once the workflow is disabled nothing deployed reads the field, and it may go.
    await api.engine.workflows.setEnabled('default', 'emea-deals', false);
    expect(read(await putType(api.app, 'deal', { fields: { tier: { type: 'integer' } } }))).toMatchObject({ version: 3, created: true });
    expect((await createRecord(api.app, 'deal', { id: 'd1', region: 'EMEA' })).statusCode).toBe(400);
  });

  it('a workflow may use a field added through the API', async () => {
    const wf = { id: 'by-region', name: 'r', object: 'deal', trigger: { on: 'field_changed', field: 'region' }, actions: [{ id: 'tag', type: 'record.update', set: { priority: 'record.region' } }] };
    await expect(api.engine.workflows.deploy('default', wf)).rejects.toMatchObject({ code: 'WORKFLOW_INVALID' });
    await putType(api.app, 'deal', { fields: region });
    expect(await api.engine.workflows.deploy('default', wf)).toMatchObject({ version: 1, created: true });
    expect((await createRecord(api.app, 'deal', { id: 'd1', region: 'APAC' })).statusCode).toBe(201);
    await api.engine.worker.drain();
    expect(read<{ data: Record<string, unknown> }>(await get(api.app, '/v1/records/deal/d1')).data).toMatchObject({ region: 'APAC', priority: 'APAC' });
  });

  it('needs the admin role: an editor gets 403 and nothing is stored', async () => {
    const answer = await putType(api.app, 'deal', { fields: region }, EDITOR);
    expect(answer.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', role: 'editor', requiredRole: 'admin' });
    expect((await get(api.app, '/v1/objects/deal')).statusCode).toBe(200);
    expect(read<{ version: number | null }>(await get(api.app, '/v1/objects/deal')).version).toBeNull();
  });
});

await forEachStore('object types in another process', (make, _backend, reopen) => {
  let first: TestEngine | undefined;
  let second: TestEngine | undefined;
  afterEach(async () => {
    await closeEngine(second);
    await closeEngine(first);
    first = second = undefined;
  });

  it('a field added through one engine is accepted by the next write of another engine on the same store, whose catalog was loaded before', async () => {
    first = await make({ tokens });
    second = await reopen(first, { tokens });
    const [appA, appB] = [await buildServer(first), await buildServer(second)];
    try {
      expect((await createRecord(appB, 'deal', { id: 'd1', region: 'EMEA' })).statusCode).toBe(400); // B has loaded (and cached) its catalog
      expect((await putType(appA, 'deal', { fields: region })).statusCode).toBe(201);
      expect((await createRecord(appB, 'deal', { id: 'd1', region: 'EMEA' })).statusCode).toBe(201);
      expect(read<{ version: number }>(await get(appB, '/v1/objects/deal')).version).toBe(1);
      // And a new type, which B's cached catalog has never heard of.
      expect((await putType(appA, 'invoice', { fields: { number: { type: 'string' } } })).statusCode).toBe(201);
      expect((await createRecord(appB, 'invoice', { id: 'i1', number: 'INV-1' })).statusCode).toBe(201);
    } finally {
      await appA.close();
      await appB.close();
    }
  });
});
