// Every time in every API answer is an ISO 8601 string (UTC, milliseconds), never epoch ms: records,
// changes, executions and their steps, workflows and versions, dead letters with their attempts,
// alerts and breakers. Durations stay numbers of milliseconds.
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTimeParam, TimeParam } from '../../src/server/api-schemas.js';
import { sendProblem } from '../../src/server/problem.js';
import { read, testApi, type TestApi } from '../helpers/api.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Keys that hold a time in our rows: createdAt, runAt, leaseUntil, at, start (breaker buckets), ... */
const TIME_KEY = /(At|Until)$|^at$|^start$/;

/** Every time-like key found anywhere in a JSON answer, with its value (record data excluded: it is the user's). */
function timeFields(value: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => timeFields(v, `${path}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (k === 'data' || k === 'before' || k === 'after' || k === 'definition') return [];
    const here: [string, unknown][] = TIME_KEY.test(k) && v !== null ? [[`${path}/${k}`, v]] : [];
    return [...here, ...timeFields(v, `${path}/${k}`)];
  });
}

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

const get = async (url: string): Promise<unknown> => {
  const res = await api.app.inject({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};

describe('times in API answers', () => {
  it('are ISO 8601 strings in every answer that carries one', async () => {
    const t0 = api.engine.clock.now();
    // One workflow that succeeds (with a step), one that dead-letters (a rule breaks), so that
    // executions, steps, attempts, an alert and a change with a trigger all exist.
    const ok = { id: 'ok', name: 'ok', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'flag', type: 'record.update', set: { priority: '"high"' } }] };
    const bad = { id: 'bad', name: 'bad', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'won', type: 'record.update', set: { stage: '"Closed Won"', amount: '0.0' } }] };
    for (const def of [ok, bad]) expect((await api.app.inject({ method: 'PUT', url: `/v1/workflows/${def.id}`, payload: def })).statusCode).toBe(201);
    expect((await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { id: 'd1', name: 'D' } })).statusCode).toBe(201);
    await api.engine.worker.drain();
    await api.engine.store.transaction((tx) => tx.putBreaker({
      tenant: 'default', key: 'connector:x', updatedAt: t0,
      state: { state: 'open', buckets: [{ start: t0, ok: 0, failed: 3 }], openedAt: t0, probesInFlight: 0, lastProbeAt: null, history: [{ at: t0, from: 'closed', to: 'open', reason: 'test' }] },
    }));

    const executions = read<{ items: { id: string; workflowId: string; createdAt: unknown }[] }>(await api.app.inject({ method: 'GET', url: '/v1/executions' })).items;
    const failed = executions.find((e) => e.workflowId === 'bad');
    const succeeded = executions.find((e) => e.workflowId === 'ok');
    expect(failed && succeeded).toBeTruthy();
    const answers: Record<string, unknown> = {
      record: await get('/v1/records/deal/d1'),
      records: await get('/v1/records/deal'),
      history: await get('/v1/records/deal/d1/history'),
      executions: { items: executions },
      execution: await get(`/v1/executions/${succeeded!.id}`),
      workflows: await get('/v1/workflows'),
      workflow: await get('/v1/workflows/ok'),
      disabled: read(await api.app.inject({ method: 'POST', url: '/v1/workflows/ok/disable' })),
      deadLetters: await get('/v1/dead-letters'),
      deadLetter: await get(`/v1/dead-letters/${failed!.id}`),
      alerts: await get('/v1/alerts'),
      breakers: await get('/v1/breakers'),
    };
    const fields = Object.entries(answers).flatMap(([name, body]) => timeFields(body, name));
    const notIso = fields.filter(([, v]) => typeof v !== 'string' || !ISO.test(v));
    expect(notIso).toEqual([]);
    // Each kind of time is there (a scan that found nothing would prove nothing).
    const paths = fields.map(([p]) => p.replace(/\/\d+/g, '/*'));
    for (const expected of [
      'record/createdAt', 'history/items/*/at', 'execution/runAt', 'execution/startedAt', 'execution/finishedAt', 'execution/steps/*/startedAt',
      'workflows/items/*/updatedAt', 'workflow/versions/*/createdAt', 'disabled/updatedAt', 'deadLetter/attempts/*/finishedAt', 'deadLetter/trigger/at',
      'alerts/items/*/at', 'breakers/items/*/state/openedAt', 'breakers/items/*/state/history/*/at', 'breakers/items/*/state/buckets/*/start',
    ]) expect(paths).toContain(expected);
    // The same instant as the engine's clock, not a reformatted something else.
    expect((answers.record as { createdAt: string }).createdAt).toBe(new Date(t0).toISOString());
    // Durations stay numbers.
    expect(typeof (answers.execution as { durationMs: unknown }).durationMs).toBe('number');
  });

  it('the OpenAPI document says so: response times are format date-time', async () => {
    const doc = read<{ paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> }>(
      await api.app.inject({ method: 'GET', url: '/openapi.json' }));
    const execution = doc.paths['/v1/executions/{id}']?.get?.responses['200']?.content['application/json']?.schema.properties;
    expect(execution?.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    const workflows = doc.paths['/v1/workflows']?.get?.responses['200']?.content['application/json']?.schema.properties;
    expect(JSON.stringify(workflows)).toContain('"format":"date-time"');
  });
});

describe('time query parameters', () => {
  it('take ISO 8601 with a time zone; anything else is a 400 naming the parameter', async () => {
    const app = Fastify();
    app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
    app.get('/t', { schema: { querystring: Type.Object({ since: Type.Optional(TimeParam('only after this')) }) } }, async (request) =>
      ({ since: parseTimeParam('since', (request.query as { since?: string }).since) ?? null }));
    await app.ready();
    try {
      const ok = async (value: string) => (await app.inject({ url: `/t?since=${encodeURIComponent(value)}` })).json<{ since: number }>().since;
      expect(await ok('2026-12-01T22:56:50.960Z')).toBe(Date.UTC(2026, 11, 1, 22, 56, 50, 960));
      expect(await ok('2026-12-01T23:56:50+01:00')).toBe(Date.UTC(2026, 11, 1, 22, 56, 50));
      for (const bad of ['yesterday', '1764629810960', '2026-12-01T22:56:50', '2026-13-01T00:00:00Z']) {
        const res = await app.inject({ url: `/t?since=${encodeURIComponent(bad)}` });
        expect(res.statusCode, bad).toBe(400);
        expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/querystring/since' }] });
      }
    } finally {
      await app.close();
    }
  });
});
