// Authentication is decided on the route the router resolved: encoded, normalised and absolute-form
// request targets must not reach a handler without a token. Requests go over a real socket, byte
// for byte as written (no client library normalises them first).
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../helpers/api.js';

const ACME = 'acme-token-0123456789';
const GLOBEX = 'globex-token-0123456789';
let api: TestApi;
let port: number;

interface RawResponse { status: number; headers: string; body: string }

/** Sends one HTTP/1.1 request exactly as given and reads the whole response. */
function raw(method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const head = [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    socket.on('connect', () => socket.write(`${head.join('\r\n')}\r\n\r\n${body}`));
    socket.on('data', (c) => chunks.push(c));
    // A server may answer before the whole body is sent (413) and stop reading: what it answered
    // still arrives, so a write error is not the end of the exchange.
    socket.on('error', (error: NodeJS.ErrnoException) => { if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error); });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headPart = '', ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1] ?? 0), headers: headPart, body: rest.join('\r\n\r\n') });
    });
  });
}

/** Ways to spell one path that a router might decode to it. */
function spellings(path: string): string[] {
  const rest = path.slice('/v1'.length);
  return [
    path, `/v%31${rest}`, `/%761${rest}`, `/%76%31${rest}`, `/%2576%2531${rest}`, `//v1${rest}`, `/./v1${rest}`, `/x/../v1${rest}`,
    `/v1/${rest.slice(1)}/`, `/v1%2F${rest.slice(1)}`, `/V1${rest}`, `/v1;x=1${rest}`, `${path}?token=${ACME}`, `${path}%00`, `${path}#frag`,
    `http://localhost${path}`, `http://evil.example${path}`, `https://localhost:1${path}`, `http://localhost/v%31${rest}`,
    path.replace(/\//g, '%2F'), `\\v1${rest.replace(/\//g, '\\')}`,
  ];
}

beforeAll(async () => {
  api = await testApi({ tokens: [{ tenant: 'acme', token: ACME }, { tenant: 'globex', token: GLOBEX }] });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  port = (api.app.server.address() as AddressInfo).port;
  // Data for a tenant, so a leak would have something to show.
  const created = await raw('POST', '/v1/records/lead', { authorization: `Bearer ${ACME}` }, JSON.stringify({ id: 'l1', name: 'Ada' }));
  expect(created.status).toBe(201);
});
afterAll(async () => { await api.close(); });

describe('authentication bypass attempts', () => {
  it('no spelling of any authenticated route succeeds without a token', async () => {
    const spec = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const open = new Set(['/health']);
    const routes = Object.entries(spec.paths).filter(([p]) => !open.has(p))
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), p.replace(/\{[^}]+\}/g, (name) => (name === '{type}' ? 'lead' : 'l1'))] as const));
    expect(routes.length).toBeGreaterThan(15);
    let attempts = 0;
    const successes: string[] = [];
    const serverErrors: string[] = [];
    for (const [method, path] of routes) {
      for (const target of spellings(path)) {
        for (const auth of [{} as Record<string, string>, { authorization: 'Bearer nope' }, { authorization: `Basic ${Buffer.from('acme:x').toString('base64')}` }, { authorization: 'Bearer ' }]) {
          const body = method === 'GET' || method === 'DELETE' ? '' : JSON.stringify({ id: `x${attempts}`, name: 'intruder' });
          const res = await raw(method, target, auth, body);
          attempts++;
          if (res.status >= 200 && res.status < 400) successes.push(`${method} ${target} -> ${res.status}`);
          if (res.status >= 500 || res.status === 0) serverErrors.push(`${method} ${target} -> ${res.status}`);
        }
      }
    }
    console.log(`auth bypass: ${attempts} attempts on ${routes.length} routes, ${successes.length} successes, ${serverErrors.length} 5xx`);
    expect(successes).toEqual([]);
    expect(serverErrors).toEqual([]);
    // Nothing the attempts sent was stored.
    const leads = await api.engine.store.listRecords('acme', 'lead', 1000);
    expect(leads.map((l) => l.id)).toEqual(['l1']);
    expect(await api.engine.store.listRecords('', 'lead', 1000)).toEqual([]);
  }, 120_000);

  it('answers encoded paths with a token as the decoded route would', async () => {
    const res = await raw('GET', '/v%31/records/lead/l1', { authorization: `Bearer ${ACME}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ id: 'l1' });
  });

  it('rejects an unauthenticated request with a problem+json 401', async () => {
    const res = await raw('POST', '/v%31/records/lead', {}, JSON.stringify({ name: 'x' }));
    expect(res.status).toBe(401);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('open routes reveal nothing about tenants', () => {
  it('health without a token says only ok', async () => {
    const res = await raw('GET', '/health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it("health with a token shows that tenant's counts only", async () => {
    const acme = JSON.parse((await raw('GET', '/health', { authorization: `Bearer ${ACME}` })).body) as Record<string, unknown>;
    const globex = JSON.parse((await raw('GET', '/health', { authorization: `Bearer ${GLOBEX}` })).body) as Record<string, unknown>;
    expect(acme).toMatchObject({ status: 'ok', store: 'sqlite' });
    expect(globex.executions).toEqual({});
  });

  it("metrics need a token and show that tenant's series only", async () => {
    await raw('PUT', '/v1/workflows/wf', { authorization: `Bearer ${GLOBEX}` }, JSON.stringify({ id: 'wf', name: 'wf', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 'a', type: 'record.update', set: { status: '"Working"' } }] }));
    await raw('POST', '/v1/records/lead', { authorization: `Bearer ${GLOBEX}` }, JSON.stringify({ id: 'g1', name: 'Grace' }));
    await api.engine.worker.drain();
    expect((await raw('GET', '/metrics')).status).toBe(401);
    const acme = await raw('GET', '/metrics', { authorization: `Bearer ${ACME}` });
    const globex = await raw('GET', '/metrics', { authorization: `Bearer ${GLOBEX}` });
    expect(acme.status).toBe(200);
    expect(globex.body).toMatch(/tenant="globex"/);
    expect(acme.body).not.toMatch(/globex/);
    expect(acme.body).not.toMatch(/^switchyard_executions\{/m);
  });

  it('the dashboard page and the API document are served without a token', async () => {
    expect((await raw('GET', '/dashboard')).status).toBe(200);
    expect((await raw('GET', '/openapi.json')).status).toBe(200);
  });
});

describe('router errors and limits are problems', () => {
  it('a bad percent-encoding is a 400 problem', async () => {
    const res = await raw('GET', '/v1/records/lead/%E0%A4%A', { authorization: `Bearer ${ACME}` });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'BAD_URL' });
  });

  it('an over-long path parameter is a 414 problem', async () => {
    const res = await raw('GET', `/v1/records/lead/${'x'.repeat(5000)}`, { authorization: `Bearer ${ACME}` });
    expect(res.status).toBe(414);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'URI_TOO_LONG' });
  });

  it('a 10 MB body is a 413 problem, and nothing is stored', async () => {
    const big = JSON.stringify({ id: 'big', name: 'x'.repeat(10 * 1024 * 1024) });
    const res = await raw('POST', '/v1/records/lead', { authorization: `Bearer ${ACME}` }, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await api.engine.store.getRecord('acme', 'lead', 'big')).toBeUndefined();
  });
});
