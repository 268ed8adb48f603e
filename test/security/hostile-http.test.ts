// The hostile-input suite over real HTTP: hostile workflow authors and anonymous callers send
// expression blow-ups, prototype names in every name position, oversized and deeply nested bodies
// and YAML bombs, while the worker evaluates what was accepted. Counted: 5xx answers (must be 0),
// and /health latency throughout (reported; asserted only against a generous bound).
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../helpers/api.js';

const TOKEN = 'mallory-token-0123456789';
let api: TestApi;
let base: string;
const health: number[] = [];
let pinging = true;
let pinger: Promise<void> | undefined;
const serverErrors: string[] = [];
let requests = 0;

async function send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: string, contentType = 'application/json'): Promise<number> {
  const res = await request(`${base}${path}`, {
    method, body, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
  });
  const text = await res.body.text();
  requests++;
  if (res.statusCode >= 500) serverErrors.push(`${method} ${path.slice(0, 80)} -> ${res.statusCode} ${text.slice(0, 200)}`);
  if (res.statusCode >= 400) expect(res.headers['content-type'], `${method} ${path.slice(0, 60)}`).toMatch(/application\/problem\+json/);
  return res.statusCode;
}

const workflow = (id: string, condition: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  id, name: id, object: 'lead', trigger: { on: 'created' }, conditions: [condition],
  actions: [{ id: 'a', type: 'record.update', set: { status: '"Working"' } }], ...extra,
});

const bind = (depth: number): string => {
  let expr = 'x0 + x0';
  for (let i = depth; i >= 1; i--) expr = `cel.bind(x${i}, x${i - 1} + x${i - 1} + x${i - 1} + x${i - 1}, ${expr})`;
  return `size(cel.bind(x0, "${'y'.repeat(64)}", ${expr})) > 0`;
};

const EXPRESSIONS = [
  bind(6), bind(10), bind(14), bind(20),
  'size([1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, [1,2,3,4,5,6,7,8,9,10].map(d, [1,2,3,4,5,6,7,8,9,10].map(e, a)))))) > 0',
  `("${'a'.repeat(40)}!").matches("^(a+)+$")`,
  `("${'a'.repeat(5000)}!").matches("(a|a)*$")`,
  'record.name.matches("(?P<x>a)\\\\1")',
  `${'('.repeat(200)}1${')'.repeat(200)} == 1`,
  `${Array.from({ length: 3000 }, () => '1').join(' + ')} > 0`,
  'int(1e300) > 0', '1 / 0 == 1', '9223372036854775807 + 1 > 0', '-9223372036854775808 - 1 < 0',
  'record.constructor == "x"', 'record.__proto__ == "x"', 'constructor.name == "Function"', 'this == null', 'globalThis == null', 'process.env == {}',
  '{"__proto__": {"polluted": true}}.polluted == true', 'has(record.constructor)', 'record["constructor"] == "x"', 'size(string(record)) > 0',
  'dyn(record).toString == "x"', '[1,2,3].all(x, [1,2,3].all(y, [1,2,3].all(z, [1,2,3].all(w, x + y + z + w > 0))))',
];

beforeAll(async () => {
  api = await testApi({ tokens: [{ tenant: 'mallory', token: TOKEN }] });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  pinger = (async () => {
    while (pinging) {
      const t0 = performance.now();
      const res = await request(`${base}/health`);
      await res.body.text();
      health.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
});

afterAll(async () => {
  pinging = false;
  await pinger;
  await api.close();
});

describe('hostile input over HTTP', () => {
  it('hostile expressions deploy as a 400 or run to a clear end, never a 5xx, health answering throughout', async () => {
    let rejected = 0;
    for (const [i, expr] of EXPRESSIONS.entries()) {
      const status = await send('PUT', `/v1/workflows/hostile-${i}`, workflow(`hostile-${i}`, expr));
      if (status === 400) rejected++;
      else expect([200, 201]).toContain(status);
    }
    expect(await send('POST', '/v1/records/lead', JSON.stringify({ id: 'victim', name: 'aaaa' }))).toBe(201);
    await api.engine.worker.drain();
    const executions = await api.engine.store.listExecutions({ tenant: 'mallory', limit: 1000 });
    expect(executions.length).toBe(EXPRESSIONS.length - rejected);
    for (const e of executions) expect(['succeeded', 'skipped', 'failed']).toContain(e.status);
    console.log(`hostile expressions: ${EXPRESSIONS.length} sent, ${rejected} rejected at deploy, ${executions.length} ran: ${JSON.stringify(Object.fromEntries(['succeeded', 'skipped', 'failed'].map((s) => [s, executions.filter((e) => e.status === s).length])))}`);
  }, 120_000);

  it('prototype names in every name position are 4xx, never 5xx', async () => {
    const names = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
      'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'prototype'];
    for (const name of names) {
      await send('POST', `/v1/records/${name}`, JSON.stringify({ name: 'x' }));
      await send('GET', `/v1/records/${name}/${name}`);
      await send('GET', `/v1/records/lead/${name}`);
      await send('GET', `/v1/records/lead/${name}/history`);
      expect(await send('POST', '/v1/records/lead', JSON.stringify({ name: 'x', [name]: 1 }))).toBe(400);
      await send('PUT', `/v1/workflows/${name}`, workflow(name, 'true'));
      expect(await send('PUT', '/v1/workflows/p', JSON.stringify({ id: 'p', name: 'p', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: name }] }))).toBe(400);
      expect(await send('PUT', '/v1/workflows/p', JSON.stringify({ id: 'p', name: 'p', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { status: '"x"' }, fallback: [{ type: name }] }] }))).toBe(400);
      await send('PUT', '/v1/workflows/p', JSON.stringify({ id: 'p', name: 'p', object: name, trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { status: '"x"' } }] }));
      await send('PUT', '/v1/workflows/p', JSON.stringify({ id: 'p', name: 'p', object: 'lead', trigger: { on: 'field_changed', field: name }, actions: [{ id: name, type: 'record.update', set: { [name]: '"x"' } }] }));
      await send('PUT', '/v1/workflows/p', JSON.stringify({ id: 'p', name: 'p', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'http.request', connector: name, url: '"https://example.com"' }] }));
      await send('POST', '/v1/graph', JSON.stringify({ workflows: [{ id: 'g', name: 'g', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: name }] }] }));
      await send('GET', `/v1/executions?status=${name}&workflow=${name}`);
      await send('GET', `/v1/dead-letters/${name}`);
      await send('POST', `/v1/workflows/${name}/enable`);
    }
    expect(serverErrors).toEqual([]);
  }, 120_000);

  it('oversized, deeply nested and bomb bodies are 4xx and store nothing', async () => {
    const before = (await api.engine.store.listRecords('mallory', 'lead', 1000)).length;
    expect(await send('POST', '/v1/records/lead', JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }))).toBe(413);
    expect(await send('POST', '/v1/records/lead', `{"name":"x","status":${'['.repeat(50_000)}${']'.repeat(50_000)}}`)).toBe(400);
    expect(await send('POST', '/v1/records/lead', `{"name":"x","status":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`)).toBe(400);
    const billion = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`),
      'id: bomb', 'name: bomb', 'object: lead', 'trigger: { on: created }', 'actions: [{ id: a, type: record.update, set: { status: "\\"x\\"" } }]'].join('\n');
    expect(await send('PUT', '/v1/workflows/bomb', billion, 'application/yaml')).toBe(400);
    expect(await send('PUT', '/v1/workflows/bomb', 'id: *nowhere\nname: x\n', 'application/yaml')).toBe(400);
    expect(await send('PUT', '/v1/workflows/bomb', `id: bomb\nname: ${'['.repeat(10_000)}\n`, 'application/yaml')).toBe(400);
    expect((await api.engine.store.listRecords('mallory', 'lead', 1000)).length).toBe(before);
    expect((await api.engine.store.listWorkflows('mallory')).map((w) => w.workflowId)).not.toContain('bomb');
  }, 120_000);

  it('ends with no 5xx and a responsive /health', () => {
    const sorted = [...health].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    const max = sorted.at(-1) ?? 0;
    console.log(`hostile suite: ${requests} requests, ${serverErrors.length} 5xx; /health answered ${health.length} times, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    expect(serverErrors).toEqual([]);
    expect(health.length).toBeGreaterThan(10);
    expect(max).toBeLessThan(1000);
  });
});
