// Credentials for one origin never follow a redirect to another: Authorization, Cookie,
// Proxy-Authorization and the connector's configured auth header (settings.authHeader) are all
// dropped when a redirect changes scheme, host or port, and kept on a same-origin redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../src/actions/connectors/http-request.js';
import { createOutboundPolicy, outboundRequest } from '../../src/net/outbound-http.js';
import { compileStep, connectorsFor, json, startHttpServer, stepContext, type LocalServer } from '../connectors/helpers.js';

const API_KEY = 'key_live_0123456789abcdef';
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key'];

let api: LocalServer; // the configured API: redirects some paths elsewhere
let elsewhere: LocalServer; // another loopback server on another port (another origin)

beforeAll(async () => {
  elsewhere = await startHttpServer((_req, res) => json(res, 200, { at: 'elsewhere' }));
  api = await startHttpServer((req, res) => {
    if (req.url.startsWith('/v1/away')) return res.writeHead(307, { location: `${elsewhere.origin}/landing` }).end();
    if (req.url.startsWith('/v1/see-other')) return res.writeHead(303, { location: `${elsewhere.origin}/landing` }).end();
    if (req.url.startsWith('/v1/same')) return res.writeHead(302, { location: '/v1/here' }).end();
    return json(res, 200, { at: 'api' });
  });
});
afterAll(async () => {
  await Promise.all([api.close(), elsewhere.close()]);
});

const allow = (): string[] => [`127.0.0.1:${api.port}`, `127.0.0.1:${elsewhere.port}`];

function context(): ReturnType<typeof stepContext> {
  const connectors = connectorsFor(
    [{ name: 'crm-api', type: 'http', settings: { baseUrl: `${api.origin}/v1`, authHeader: 'X-Api-Key' }, secrets: { auth: { env: 'API_KEY' } } }],
    { API_KEY },
    allow(),
  );
  return stepContext(connectors);
}

describe('a connector credential and a redirect to another origin', () => {
  it.each([
    ['307 (method and body kept)', '"/away"', 'POST'],
    ['303 (turned into a GET)', '"/see-other"', 'POST'],
  ])('http.request drops settings.authHeader on a %s', async (_name, path, method) => {
    const seen = elsewhere.requests.length;
    const compiled = compileStep(httpRequest, { connector: 'crm-api', method, path, body: { name: 'record.name' } });
    const output = await httpRequest.run(compiled, context());
    expect(output).toMatchObject({ status: 200, body: { at: 'elsewhere' } });
    // The API itself got the key; the other origin did not, though it got the request.
    expect(api.requests.at(-1)?.headers['x-api-key']).toBe(API_KEY);
    const landed = elsewhere.requests.slice(seen);
    expect(landed).toHaveLength(1);
    expect(landed[0]?.headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(landed[0]?.headers)).not.toContain(API_KEY);
    expect(landed[0]?.headers['idempotency-key']).toBe('exec-1:notify');
  });

  it('http.request keeps the auth header on a same-origin redirect', async () => {
    const before = api.requests.length;
    const compiled = compileStep(httpRequest, { connector: 'crm-api', method: 'GET', path: '"/same"' });
    expect(await httpRequest.run(compiled, context())).toMatchObject({ status: 200, body: { at: 'api' } });
    const hops = api.requests.slice(before);
    expect(hops.map((r) => r.url)).toEqual(['/v1/same', '/v1/here']);
    expect(hops.map((r) => r.headers['x-api-key'])).toEqual([API_KEY, API_KEY]);
  });
});

describe('outboundRequest: every credential header on a redirect', () => {
  const headers = { Authorization: 'Bearer t0k3n-abcdef', Cookie: 'session=s3cr3t', 'Proxy-Authorization': 'Basic cHJveHk=', 'X-Api-Key': API_KEY, 'X-Trace': 'keep-me' };

  it('drops all four on a cross-origin (other port) redirect and keeps the rest', async () => {
    const seen = elsewhere.requests.length;
    const policy = createOutboundPolicy({ allow: allow() });
    const response = await outboundRequest(policy, { url: `${api.origin}/v1/away`, headers, credentialHeaders: ['x-api-key'] });
    expect(response.url).toBe(`${elsewhere.origin}/landing`);
    const sent = api.requests.at(-1)?.headers ?? {};
    for (const name of CREDENTIALS) expect(sent[name], name).toBeDefined();
    const landed = elsewhere.requests.slice(seen)[0]?.headers ?? {};
    for (const name of CREDENTIALS) expect(landed[name], name).toBeUndefined();
    expect(landed['x-trace']).toBe('keep-me');
  });

  it('keeps them all on a same-origin redirect', async () => {
    const before = api.requests.length;
    const policy = createOutboundPolicy({ allow: allow() });
    await outboundRequest(policy, { url: `${api.origin}/v1/same`, headers, credentialHeaders: ['X-Api-Key'] });
    const final = api.requests.slice(before).at(-1);
    expect(final?.url).toBe('/v1/here');
    for (const name of CREDENTIALS) expect(final?.headers[name], name).toBeDefined();
  });
});
