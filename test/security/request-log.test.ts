// A token pasted into a query string (by mistake, or by a client that does so) must not be written
// to the request log or echoed in a problem document.
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { sqliteEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  await engine?.store.close();
});

it('logs the path of a request, never its query string', async () => {
  engine = await sqliteEngine({ tokens: [{ tenant: 'acme', token: 'acme-token-0123456789' }] });
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const app = await buildServer(engine, { logger: { level: 'info', stream } });
  const secret = 'acme-token-0123456789';
  const responses = [
    await app.inject({ method: 'GET', url: `/v1/records/lead?token=${secret}` }),
    await app.inject({ method: 'GET', url: `/v1/records/lead?access_token=${secret}`, headers: { authorization: `Bearer ${secret}` } }),
    await app.inject({ method: 'GET', url: `/nowhere?api_key=${secret}` }),
  ];
  await app.close();
  // The second is authenticated; access_token is no parameter of the route (400 UNKNOWN_PARAMETER,
  // naming the parameter, never its value).
  expect(responses.map((r) => r.statusCode)).toEqual([401, 400, 401]);
  expect(responses[1]?.json()).toMatchObject({ code: 'UNKNOWN_PARAMETER', errors: [{ path: '/querystring/access_token' }] });
  expect(lines.some((l) => l.includes('/v1/records/lead'))).toBe(true);
  expect(lines.join('')).not.toContain(secret);
  for (const r of responses) expect(r.body).not.toContain(secret);
});
