// Tokens carry a name and a role (viewer < editor < admin). A weaker token gets 403 FORBIDDEN naming
// its role and the role needed, and nothing changes; the token's name is the actor of its writes;
// every route declares the role it needs; the old token form (tenant + token) still works, as admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { resolveConfig, type RawConfig } from '../../src/config.js';
import { parseDefinitionText } from '../../src/definitions/validate.js';
import type { ApiToken, Role } from '../../src/domain/access.js';
import { authorize } from '../../src/server/auth.js';
import { read, testApi, type TestApi } from '../helpers/api.js';

const TOKENS: Record<Role, string> = { viewer: 'viewer-token-0123456789', editor: 'editor-token-0123456789', admin: 'admin-token-0123456789' };
const LEGACY = 'legacy-token-0123456789';
const WORKFLOW = { id: 'flag', name: 'flag', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'set', type: 'record.update', set: { priority: '"high"' } }] };

let api: TestApi;
beforeAll(async () => {
  api = await testApi({
    tokens: [
      { tenant: 'acme', name: 'vera', role: 'viewer', token: TOKENS.viewer },
      { tenant: 'acme', name: 'ed', role: 'editor', token: TOKENS.editor },
      { tenant: 'acme', name: 'ada', role: 'admin', token: TOKENS.admin },
      { tenant: 'acme', token: LEGACY }, // the form from before roles: an admin named api:acme
    ],
  });
});
afterAll(async () => { await api.close(); });

const as = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  api.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } });

describe('roles', () => {
  it('a viewer cannot deploy: 403 problem naming its role and the one needed, and nothing is deployed', async () => {
    const res = await as(TOKENS.viewer, 'PUT', '/v1/workflows/flag', WORKFLOW);
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', role: 'viewer', requiredRole: 'admin' });
    expect(res.json<{ detail: string }>().detail).toBe('token "vera" has the viewer role; PUT /v1/workflows/:id needs admin');
    expect(read<{ items: unknown[] }>(await as(TOKENS.admin, 'GET', '/v1/workflows')).items).toEqual([]);
  });

  it('an editor\'s write names the editor in the change history, and so does the execution it causes', async () => {
    expect((await as(TOKENS.admin, 'PUT', '/v1/workflows/flag', WORKFLOW)).statusCode).toBe(201);
    expect((await as(TOKENS.editor, 'POST', '/v1/records/deal', { id: 'by-ed', name: 'D' })).statusCode).toBe(201);
    expect((await as(TOKENS.editor, 'PATCH', '/v1/records/deal/by-ed', { amount: 5 })).statusCode).toBe(200);
    await api.engine.worker.drain();
    const history = read<{ items: { id: string; actor: unknown; cause: { rootChangeId: string } }[] }>(await as(TOKENS.viewer, 'GET', '/v1/records/deal/by-ed/history')).items;
    expect(history.map((c) => c.actor)).toEqual([
      { kind: 'user', id: 'ed' },
      { kind: 'user', id: 'ed' },
      expect.objectContaining({ kind: 'workflow', workflowId: 'flag' }),
    ]);
    // The workflow's run traces back to ed's change: the execution's root change is the one ed made.
    const [execution] = read<{ items: { rootChangeId: string }[] }>(await as(TOKENS.viewer, 'GET', '/v1/executions?workflow=flag&record_id=by-ed')).items;
    expect(execution?.rootChangeId).toBe(history[0]?.id);
  });

  it('an editor who discards a dead letter is named in the cancelled execution\'s reason', async () => {
    const bad = { id: 'bad', name: 'bad', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'won', type: 'record.update', set: { stage: '"Closed Won"', amount: '0.0' } }] };
    expect((await as(TOKENS.admin, 'PUT', '/v1/workflows/bad', bad)).statusCode).toBe(201);
    await as(TOKENS.admin, 'POST', '/v1/records/deal', { id: 'doomed', name: 'D' });
    await api.engine.worker.drain();
    const [dead] = read<{ items: { id: string }[] }>(await as(TOKENS.viewer, 'GET', '/v1/dead-letters?workflow=bad')).items;
    expect(read<{ discarded: string[] }>(await as(TOKENS.editor, 'POST', '/v1/dead-letters/discard', { ids: [dead!.id] })).discarded).toEqual([dead!.id]);
    expect(read(await as(TOKENS.viewer, 'GET', `/v1/executions/${dead!.id}`))).toMatchObject({ status: 'cancelled', reason: 'discarded from the dead-letter list by ed' });
    expect((await as(TOKENS.admin, 'POST', '/v1/workflows/bad/disable')).statusCode).toBe(200);
  });

  it('the old token form still works: an admin whose writes are attributed to api:<tenant> as before', async () => {
    expect((await as(LEGACY, 'POST', '/v1/workflows/flag/disable')).statusCode).toBe(200);
    expect((await as(LEGACY, 'POST', '/v1/records/deal', { id: 'by-legacy', name: 'L' })).statusCode).toBe(201);
    const history = read<{ items: { actor: unknown }[] }>(await as(LEGACY, 'GET', '/v1/records/deal/by-legacy/history')).items;
    expect(history[0]?.actor).toEqual({ kind: 'user', id: 'api:acme' });
  });

  // One request per class of route; `allowed` is the weakest role that may make it.
  const CLASSES: { name: string; allowed: Role; request: (role: Role) => [method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown]; setup?: (role: Role) => Promise<unknown> }[] = [
    { name: 'read a record', allowed: 'viewer', request: () => ['GET', '/v1/records/deal'] },
    { name: 'read executions', allowed: 'viewer', request: () => ['GET', '/v1/executions'] },
    { name: 'read workflows', allowed: 'viewer', request: () => ['GET', '/v1/workflows/flag'] },
    { name: 'a proposed graph (deploys nothing)', allowed: 'viewer', request: () => ['POST', '/v1/graph', { definitions: [WORKFLOW] }] },
    { name: 'read dead letters, alerts, breakers, metrics', allowed: 'viewer', request: () => ['GET', '/v1/alerts'] },
    { name: 'metrics', allowed: 'viewer', request: () => ['GET', '/metrics'] },
    { name: 'create a record', allowed: 'editor', request: () => ['POST', '/v1/records/deal', { name: 'x' }] },
    { name: 'change a record', allowed: 'editor', request: () => ['PATCH', '/v1/records/deal/by-ed', { name: 'y' }] },
    { name: 'delete a record', allowed: 'editor', request: (role) => ['DELETE', `/v1/records/deal/del-${role}`], setup: (role) => as(TOKENS.admin, 'POST', '/v1/records/deal', { id: `del-${role}`, name: 'x' }) },
    { name: 'replay dead letters', allowed: 'editor', request: () => ['POST', '/v1/dead-letters/replay', { ids: ['none'] }] },
    { name: 'discard (cancel) dead letters', allowed: 'editor', request: () => ['POST', '/v1/dead-letters/discard', { ids: ['none'] }] },
    { name: 'deploy a workflow', allowed: 'admin', request: () => ['PUT', '/v1/workflows/flag', { ...WORKFLOW, name: `v${Math.random()}` }] },
    { name: 'enable a workflow', allowed: 'admin', request: () => ['POST', '/v1/workflows/flag/enable'] },
    { name: 'disable a workflow', allowed: 'admin', request: () => ['POST', '/v1/workflows/flag/disable'] },
  ];
  const ORDER: Role[] = ['viewer', 'editor', 'admin'];
  for (const c of CLASSES) {
    it(`${c.name}: ${c.allowed} and stronger may, weaker roles get 403`, async () => {
      for (const role of ORDER) {
        await c.setup?.(role);
        const [method, url, payload] = c.request(role);
        const res = await as(TOKENS[role], method, url, payload);
        if (ORDER.indexOf(role) < ORDER.indexOf(c.allowed)) {
          expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
          expect(res.json()).toMatchObject({ code: 'FORBIDDEN', role, requiredRole: c.allowed });
        } else {
          expect(res.statusCode, `${role} ${method} ${url}: ${res.body}`).toBeLessThan(300);
        }
      }
    });
  }

  it('an unknown URL is a 404 for a viewer, not a 403: roles say nothing about routes that do not exist', async () => {
    expect((await as(TOKENS.viewer, 'POST', '/v1/nothing-here')).statusCode).toBe(404);
  });

  it('every route declares public or the role it needs, and OpenAPI shows it', async () => {
    const undeclared = api.app.routeAccess.filter((r) => !r.public && r.role === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    expect(api.app.routeAccess.length).toBeGreaterThan(20);
    const doc = read<{ paths: Record<string, Record<string, { 'x-required-role'?: string; description?: string }>> }>(await api.app.inject({ method: 'GET', url: '/openapi.json' }));
    expect(doc.paths['/v1/workflows/{id}']?.put?.['x-required-role']).toBe('admin');
    expect(doc.paths['/v1/records/{type}']?.post?.['x-required-role']).toBe('editor');
    expect(doc.paths['/v1/records/{type}']?.get?.description).toMatch(/viewer role/);
  });

  it('a route that declares no role needs admin', () => {
    const request = (config: object) => ({ method: 'GET', routeOptions: { url: '/v1/undeclared', config } }) as unknown as FastifyRequest;
    const token = (role: Role): ApiToken => ({ tenant: 'acme', name: role, role });
    expect(() => authorize(request({}), token('editor'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN', extra: { role: 'editor', requiredRole: 'admin' } }));
    expect(() => authorize(request({}), token('admin'))).not.toThrow();
    expect(() => authorize(request({ role: 'viewer' }), token('viewer'))).not.toThrow();
  });
});

describe('token configuration', () => {
  const problem = (tokens: unknown[]) => {
    try {
      resolveConfig({ tokens } as never);
    } catch (error) {
      return error as { code: string; problems: { path: string; message: string }[] };
    }
    throw new Error('expected CONFIG_INVALID');
  };

  it('names and roles default: admin, api:<tenant>, then api:<tenant>:2 for a tenant\'s second unnamed token', () => {
    const config = resolveConfig({ tokens: [{ tenant: 'acme', token: 'a'.repeat(16) }, { tenant: 'acme', token: 'b'.repeat(16) }, { tenant: 'beta', token: 'c'.repeat(16), name: 'bob', role: 'viewer' }] });
    expect([...config.tokens.values()]).toEqual([
      { tenant: 'acme', name: 'api:acme', role: 'admin' },
      { tenant: 'acme', name: 'api:acme:2', role: 'admin' },
      { tenant: 'beta', name: 'bob', role: 'viewer' },
    ]);
  });

  it('the README\'s example resolves as it says', () => {
    const block = /```yaml\n(tokens:\n[\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))?.[1];
    const env = { ADA_TOKEN: 'a'.repeat(16), ED_TOKEN: 'e'.repeat(16), VERA_TOKEN: 'v'.repeat(16), ACME_API_TOKEN: 'l'.repeat(16) };
    const config = resolveConfig(parseDefinitionText(block!, 'README.md') as RawConfig, env);
    expect([...config.tokens.values()].map((t) => `${t.name}:${t.role}`)).toEqual(['ada:admin', 'ed:editor', 'vera:viewer', 'api:acme:admin']);
  });

  it('refuses an unknown role, a name used twice in a tenant, and a token value used twice, naming the entry', () => {
    expect(problem([{ tenant: 'acme', token: 'a'.repeat(16), role: 'owner' }])).toMatchObject({ code: 'CONFIG_INVALID', problems: [expect.objectContaining({ path: '/tokens/0/role' })] });
    expect(problem([{ tenant: 'acme', token: 'a'.repeat(16), name: 'x' }, { tenant: 'acme', token: 'b'.repeat(16), name: 'x' }]))
      .toMatchObject({ code: 'CONFIG_INVALID', problems: [{ path: '/tokens/1/name', message: 'tenant acme already has a token named "x"; names must be unique per tenant' }] });
    expect(problem([{ tenant: 'acme', token: 'a'.repeat(16) }, { tenant: 'beta', token: 'a'.repeat(16) }]))
      .toMatchObject({ code: 'CONFIG_INVALID', problems: [{ path: '/tokens/1', message: 'the same token value as /tokens/0; each token must be distinct' }] });
  });
});
