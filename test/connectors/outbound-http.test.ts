import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepTimeoutError, classifyFailure } from '../../src/failures/action-failures.js';
import { DEFAULT_OUTBOUND_POLICY, OutboundRefusedError, createOutboundPolicy, outboundRequest, resolveCheckedAddress } from '../../src/net/outbound-http.js';
import { json, startHttpServer, thrown, type LocalServer } from './helpers.js';

let target: LocalServer; // an allowed test server
let bystander: LocalServer; // a loopback service nobody may reach
let hangs: LocalServer;

beforeAll(async () => {
  bystander = await startHttpServer((_req, res) => json(res, 200, { secret: 'internal' }));
  target = await startHttpServer((req, res) => {
    const path = req.url;
    if (path === '/hello') return json(res, 200, { hello: 'world' });
    if (path === '/text') return res.end('plain words');
    if (path === '/to-bystander') return res.writeHead(302, { location: `${bystander.origin}/` }).end();
    if (path === '/to-metadata') return res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (path === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (path === '/hop1') return res.writeHead(301, { location: '/hop2' }).end();
    if (path === '/hop2') return res.writeHead(303, { location: '/echo' }).end();
    if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (path === '/echo') return json(res, 200, { method: req.method, body: req.body });
    if (path === '/big') return res.end('x'.repeat(5000));
    return json(res, 404, { error: 'no' });
  });
  hangs = await startHttpServer(() => undefined);
});
afterAll(async () => {
  await Promise.all([target.close(), bystander.close(), hangs.close()]);
});

const allowTarget = (): ReturnType<typeof createOutboundPolicy> => createOutboundPolicy({ allow: [`127.0.0.1:${target.port}`], maxResponseBytes: 1000 });

describe('outbound HTTP: SSRF guard', () => {
  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`],
    ['[::1]', (port: number) => `http://[::1]:${port}/`],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['10.0.0.1', () => 'http://10.0.0.1/'],
    ['localhost (a name resolving to loopback)', (port: number) => `http://localhost:${port}/`],
    ['0.0.0.0', (port: number) => `http://0.0.0.0:${port}/`],
  ])('refuses %s before sending anything', async (_name, url) => {
    const before = bystander.connections;
    const error = await thrown(outboundRequest(DEFAULT_OUTBOUND_POLICY, { url: url(bystander.port) }));
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.code).toBe('SSRF_REFUSED');
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'SSRF_REFUSED' });
    expect(bystander.connections).toBe(before);
    expect(bystander.requests).toHaveLength(0);
  });

  it('reaches an allow-listed host:port and parses JSON or text', async () => {
    const policy = allowTarget();
    expect(await outboundRequest(policy, { url: `${target.origin}/hello` })).toMatchObject({ status: 200, body: { hello: 'world' } });
    expect((await outboundRequest(policy, { url: `${target.origin}/text` })).body).toBe('plain words');
  });

  it('allow-lists a hostname entry (on-premise names)', async () => {
    const policy = createOutboundPolicy({ allow: [`localhost:${target.port}`] });
    const res = await outboundRequest(policy, { url: `http://localhost:${target.port}/hello` }).catch((e: unknown) => e);
    // localhost may resolve to ::1 first where the server does not listen; either way it is not refused.
    expect(res).not.toBeInstanceOf(OutboundRefusedError);
  });

  it('refuses a redirect from an allowed server to another loopback port', async () => {
    const error = await thrown(outboundRequest(allowTarget(), { url: `${target.origin}/to-bystander` }));
    expect(error.code).toBe('SSRF_REFUSED');
    expect(bystander.requests).toHaveLength(0);
  });

  it('refuses a redirect to the metadata address and to non-HTTP schemes', async () => {
    expect((await thrown(outboundRequest(allowTarget(), { url: `${target.origin}/to-metadata` }))).code).toBe('SSRF_REFUSED');
    expect((await thrown(outboundRequest(allowTarget(), { url: `${target.origin}/to-file` }))).code).toBe('SSRF_REFUSED');
  });

  it('follows allowed redirects, turning a POST into a GET on 303', async () => {
    const res = await outboundRequest(allowTarget(), { url: `${target.origin}/hop1`, method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(res).toMatchObject({ status: 200, body: { method: 'GET', body: '' }, url: `${target.origin}/echo` });
  });

  it('drops credentials when a redirect changes origin', async () => {
    const other = await startHttpServer((req, res) => json(res, 200, { auth: req.headers.authorization ?? null, key: req.headers['idempotency-key'] }));
    const hop = await startHttpServer((_req, res) => res.writeHead(307, { location: `${other.origin}/` }).end());
    try {
      const policy = createOutboundPolicy({ allow: [`127.0.0.1:${hop.port}`, `127.0.0.1:${other.port}`] });
      const res = await outboundRequest(policy, { url: hop.origin, method: 'POST', body: '{}', headers: { Authorization: 'Bearer t', 'Idempotency-Key': 'k1' } });
      expect(res.body).toEqual({ auth: null, key: 'k1' });
    } finally {
      await Promise.all([other.close(), hop.close()]);
    }
  });

  it('stops after maxRedirects', async () => {
    const error = await thrown(outboundRequest(allowTarget(), { url: `${target.origin}/loop` }));
    expect(error.code).toBe('TOO_MANY_REDIRECTS');
    expect(error.retryable).toBe(false);
  });

  it('limits the response size', async () => {
    expect((await thrown(outboundRequest(allowTarget(), { url: `${target.origin}/big` }))).code).toBe('RESPONSE_TOO_LARGE');
  });
});

describe('outbound HTTP: timeouts', () => {
  it('times out a request that gets no answer (retryable)', async () => {
    const policy = createOutboundPolicy({ allow: [`127.0.0.1:${hangs.port}`] });
    const error = await thrown(outboundRequest(policy, { url: hangs.origin, timeoutMs: 150 }));
    expect(classifyFailure(error)).toMatchObject({ retryable: true, code: 'REQUEST_TIMEOUT' });
  });

  it('aborts with the step signal\'s reason', async () => {
    const policy = createOutboundPolicy({ allow: [`127.0.0.1:${hangs.port}`] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new StepTimeoutError(100)), 100);
    const error = await thrown(outboundRequest(policy, { url: hangs.origin, signal: controller.signal }));
    expect(classifyFailure(error)).toMatchObject({ retryable: true, code: 'STEP_TIMEOUT' });
  });
});

describe('resolveCheckedAddress (for SMTP)', () => {
  it('refuses loopback names and literals, allows listed ones', async () => {
    expect((await thrown(resolveCheckedAddress(DEFAULT_OUTBOUND_POLICY, 'localhost', 25))).code).toBe('SSRF_REFUSED');
    expect((await thrown(resolveCheckedAddress(DEFAULT_OUTBOUND_POLICY, '[::1]', 25))).code).toBe('SSRF_REFUSED');
    expect(await resolveCheckedAddress(createOutboundPolicy({ allow: ['127.0.0.1:2525'] }), '127.0.0.1', 2525)).toBe('127.0.0.1');
  });
});
