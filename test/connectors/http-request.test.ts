import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/actions/connectors/http-request.js';
import { classifyFailure } from '../../src/failures/action-failures.js';
import { NOW, compileProblems, compileStep, connectorsFor, everythingIn, json, startHttpServer, stepContext, thrown, type LocalServer } from './helpers.js';

const TOKEN = 'Bearer sk_live_0123456789abcdef';
let api: LocalServer;

beforeAll(async () => {
  api = await startHttpServer((req, res) => {
    if (req.url.startsWith('/v1/customers')) return json(res, 201, { id: 'c_1', received: JSON.parse(req.body || 'null') as unknown });
    if (req.url === '/v1/boom') return json(res, 503, { error: 'down' });
    if (req.url === '/v1/slow-down') return json(res, 429, { error: 'rate' }, { 'retry-after': '7' });
    if (req.url === '/v1/slow-down-date') return json(res, 429, { error: 'rate' }, { 'retry-after': new Date(NOW + 30_000).toUTCString() });
    if (req.url === '/v1/whoami') return json(res, 200, { token: String(req.headers.authorization).split(' ')[1] });
    if (req.url === '/v1/echo-auth') return json(res, 401, { error: `bad token ${String(req.headers.authorization).split(' ')[1]}` });
    return json(res, 404, { error: 'not found' });
  });
});
afterAll(() => api.close());

function context(allow = [`127.0.0.1:${api.port}`]): ReturnType<typeof stepContext> {
  const connectors = connectorsFor(
    [{ name: 'crm-api', type: 'http', settings: { baseUrl: `${api.origin}/v1` }, secrets: { auth: { env: 'API_TOKEN' } } }],
    { API_TOKEN: TOKEN },
    allow,
  );
  return stepContext(connectors);
}

describe('http.request', () => {
  it('compiles CEL templates at deploy and reports bad ones', () => {
    expect(compileProblems(httpRequest, { connector: 'crm-api', path: '"/customers"', body: { name: 'record.name' } })).toEqual([]);
    const problems = compileProblems(httpRequest, { path: 'record.nmae', headers: { 'x-n': 'record.amount' }, method: 'GET', body: { a: '1' } });
    expect(problems.map((p) => p.path)).toEqual(['/actions/0/connector', '/actions/0/path', '/actions/0/headers/x-n', '/actions/0/body']);
    expect(compileProblems(httpRequest, { connector: 'crm-api', path: '"/a"', url: '"https://x"' })[0]?.message).toBe('give path or url, not both');
  });

  it('sends the idempotency key, auth and a CEL-built JSON body; returns { status, body }', async () => {
    const compiled = compileStep(httpRequest, {
      connector: 'crm-api',
      path: '"/customers/" + record.name',
      headers: { 'X-Deal-Stage': 'record.stage' },
      body: { name: 'record.name', amount: 'record.amount', big: 'record.amount > 50000.0' },
    });
    const output = await httpRequest.run(compiled, context());
    expect(output).toEqual({ status: 201, body: { id: 'c_1', received: { name: 'Acme renewal', amount: 60000, big: true } } });
    const sent = api.requests.at(-1);
    expect(sent?.url).toBe('/v1/customers/Acme%20renewal');
    expect(sent?.headers['idempotency-key']).toBe('exec-1:notify');
    expect(sent?.headers.authorization).toBe(TOKEN);
    expect(sent?.headers['x-deal-stage']).toBe('Negotiation');
    expect(sent?.headers['content-type']).toBe('application/json');
  });

  it('does not send the connector credential to another origin', async () => {
    const other = await startHttpServer((_req, res) => json(res, 200, { ok: true }));
    try {
      const compiled = compileStep(httpRequest, { connector: 'crm-api', url: `"${other.origin}/hook"` });
      await httpRequest.run(compiled, context([`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`]));
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
      expect(other.requests[0]?.headers['idempotency-key']).toBe('exec-1:notify');
    } finally {
      await other.close();
    }
  });

  it('classifies 5xx as retryable and 4xx as final', async () => {
    const boom = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/boom"' }), context()));
    expect(classifyFailure(boom)).toMatchObject({ retryable: true, code: 'UPSTREAM_ERROR' });
    expect(boom.status).toBe(503);
    const missing = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/nope"' }), context()));
    expect(classifyFailure(missing)).toMatchObject({ retryable: false, code: 'UPSTREAM_REJECTED' });
  });

  it('honours 429 Retry-After in seconds and as an HTTP date', async () => {
    const seconds = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/slow-down"' }), context()));
    expect(classifyFailure(seconds)).toMatchObject({ retryable: true, code: 'RATE_LIMITED', retryAfterMs: 7000 });
    const date = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/slow-down-date"' }), context()));
    expect(classifyFailure(date)).toMatchObject({ retryable: true, code: 'RATE_LIMITED', retryAfterMs: 30_000 });
  });

  it('never exposes the auth secret, even when the service echoes it', async () => {
    const error = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/echo-auth"' }), context()));
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(everythingIn(error)).toContain('[REDACTED]');
    expect(everythingIn(error)).not.toContain('sk_live_0123456789abcdef');
  });

  it('redacts a secret the service echoes into a successful answer', async () => {
    const output = await httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', method: 'GET', path: '"/whoami"' }), context());
    expect(output).toEqual({ status: 200, body: { token: '[REDACTED]' } });
  });

  it('is refused without the allow-list entry (SSRF guard applies to connectors)', async () => {
    const error = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api', path: '"/customers"' }), context([])));
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'SSRF_REFUSED' });
  });

  it('fails a step whose connector is of another type, for good', async () => {
    const ctx = stepContext(connectorsFor([{ name: 'crm-api', type: 'slack', secrets: { webhookUrl: { env: 'U' } } }], { U: 'https://hooks.example/x' }));
    const error = await thrown(httpRequest.run(compileStep(httpRequest, { connector: 'crm-api' }), ctx));
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'CONNECTOR_INVALID' });
  });
});
