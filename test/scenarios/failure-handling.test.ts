// Failure handling end to end: backoff on the injected clock, fallbacks, dead letters with their
// alert and ops task, replay without duplicates, and secrets kept out of every response and log.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import type { RawConfig } from '../../src/config.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

interface Sink { port: number; requests: { path: string; key: string; headers: IncomingMessage['headers'] }[]; status: number; close(): Promise<void> }
const sinks: Sink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close();
});

async function sink(status = 200, respond?: (req: IncomingMessage, res: ServerResponse) => void): Promise<Sink> {
  const state: Sink = { port: 0, requests: [], status, close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests.push({ path: req.url ?? '', key: String(req.headers['idempotency-key'] ?? ''), headers: req.headers });
      if (respond) return respond(req, res);
      res.statusCode = state.status;
      res.end(JSON.stringify({ ok: state.status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  sinks.push(state);
  return state;
}

function config(connectors: { name: string; port: number; secret?: boolean }[], extra: RawConfig = {}): RawConfig {
  return {
    connectors: { default: connectors.map((c) => ({
      name: c.name, type: 'http', settings: { baseUrl: `http://127.0.0.1:${c.port}` }, ...(c.secret ? { secrets: { auth: { env: 'TEST_API_TOKEN' } } } : {}),
    })) },
    outbound: { allow: connectors.map((c) => `127.0.0.1:${c.port}`) },
    ...extra,
  };
}

const call = (id: string, connector: string, extra: object = {}) => ({ id, type: 'http.request', connector, method: 'POST', path: '"/hook"', body: { lead: 'record.id' }, ...extra });
const wf = (actions: object[]) => ({ id: 'notify', name: 'notify', object: 'lead', trigger: { on: 'created' }, actions });

async function statusOf(e: TestEngine): Promise<string | undefined> {
  return (await e.store.listExecutions({ tenant: 'default', workflowId: 'notify' }))[0]?.status;
}

await forEachStore('failure handling', (make) => {
  let engine: TestEngine | undefined;
  afterEach(async () => { await closeEngine(engine); engine = undefined; });

  describe('retries with exponential backoff on the injected clock', () => {
    it('retries after 5 s and 25 s, then dead-letters with an alert and an ops task', async () => {
      const api = await sink(503);
      engine = await make(config([{ name: 'api', port: api.port }]), () => 0.5);
      await engine.workflows.deploy('default', wf([call('post', 'api', { retry: { attempts: 3, initial: '5s', factor: 5 } })]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      expect(api.requests).toHaveLength(1);
      engine.clock.advance(4_999);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(1);
      engine.clock.advance(1);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(2);
      engine.clock.advance(24_999);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(2);
      engine.clock.advance(1);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(3);
      expect(await statusOf(engine)).toBe('failed');
      expect(new Set(api.requests.map((r) => r.key)).size).toBe(1); // one idempotency key across retries

      const [dead] = await engine.deadLetters.list('default');
      const detail = await engine.deadLetters.show('default', dead!.id);
      expect(detail.attempts.map((a) => a.code)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
      expect(detail.trigger?.operation).toBe('created');
      const alerts = await engine.store.listAlerts('default', 10);
      expect(alerts.find((a) => a.kind === 'dead_letter')?.message).toMatch(/notify v1 on lead\/l1 was dead-lettered/);
      const tasks = await engine.store.listRecords('default', 'task', 10);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.data).toMatchObject({ owner: 'ops', related_id: 'l1', status: 'open' });
    });

    it('a call that outlives its step timeout (on the injected clock) is a retryable STEP_TIMEOUT', async () => {
      const held: ServerResponse[] = [];
      let arrived: () => void = () => undefined;
      const first = new Promise<void>((resolve) => { arrived = resolve; });
      const api = await sink(200, (_req, res) => { held.push(res); arrived(); });
      engine = await make(config([{ name: 'api', port: api.port }]), () => 0.5);
      await engine.workflows.deploy('default', wf([call('post', 'api', { timeout: '2s' })]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      const run = engine.worker.drain(1);
      await first;
      engine.clock.advance(2_000);
      await run;
      for (const res of held) res.end();
      const [exec] = await engine.store.listExecutions({ tenant: 'default' });
      expect(exec).toMatchObject({ status: 'queued', runAt: engine.clock.now() + 5_000 });
      expect((await engine.store.listAttempts(exec!.id)).map((a) => [a.code, a.retryable])).toEqual([['STEP_TIMEOUT', true]]);
    });

    it('a non-retryable failure (404) is not retried', async () => {
      const api = await sink(404);
      engine = await make(config([{ name: 'api', port: api.port }]));
      await engine.workflows.deploy('default', wf([call('post', 'api')]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      engine.clock.advance(3_600_000);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(1);
      expect(await statusOf(engine)).toBe('failed');
    });
  });

  describe('response mapping', () => {
    it('a later step reads an earlier step\'s response through `steps`', async () => {
      const api = await sink(200, (_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ticket":"T-42"}'); });
      engine = await make(config([{ name: 'api', port: api.port }]));
      await engine.workflows.deploy('default', wf([
        call('open-ticket', 'api'),
        { id: 'note', type: 'record.update', set: { company: '"ticket " + string(steps["open-ticket"].result.body.ticket)' } },
      ]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      expect(await statusOf(engine)).toBe('succeeded');
      expect((await engine.records.get('default', 'lead', 'l1')).data.company).toBe('ticket T-42');
    });
  });

  describe('effect ledger', () => {
    it('a call the ledger already holds is not made again; its recorded result is used', async () => {
      const api = await sink(200);
      engine = await make(config([{ name: 'api', port: api.port }]));
      await engine.workflows.deploy('default', wf([call('post', 'api')]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      const [exec] = await engine.store.listExecutions({ tenant: 'default' });
      // As if an earlier run's call went out and was recorded before its checkpoint was lost.
      await engine.store.transaction((tx) => tx.saveEffect({
        tenant: 'default', key: `${exec!.id}:post`, executionId: exec!.id, stepId: 'post', action: 'http.request', result: { status: 200, body: 'recorded' }, at: engine!.clock.now(),
      }));
      await engine.worker.drain();
      expect(api.requests).toHaveLength(0);
      expect(await statusOf(engine)).toBe('succeeded');
      expect((await engine.store.listSteps(exec!.id))[0]?.output).toEqual({ result: { status: 200, body: 'recorded' }, ledger: true });
    });
  });

  describe('connector rate limits', () => {
    it('holds calls past the limit in the queue (not failed) and runs them when tokens return', async () => {
      const api = await sink(200);
      const raw = config([{ name: 'api', port: api.port }]);
      (raw.connectors!.default![0] as { rateLimit?: object }).rateLimit = { perSecond: 1 };
      engine = await make(raw);
      await engine.workflows.deploy('default', wf([call('post', 'api')]));
      for (const id of ['l1', 'l2', 'l3']) await engine.records.create('default', 'lead', { name: id }, USER, id);
      await engine.worker.drain();
      expect(api.requests).toHaveLength(1);
      const waiting = await engine.store.listExecutions({ tenant: 'default', status: 'queued' });
      expect(waiting.map((e) => e.reason)).toEqual(['waiting: rate limit of connector api', 'waiting: rate limit of connector api']);
      for (let i = 0; i < 3; i++) {
        engine.clock.advance(1000);
        await engine.worker.drain();
      }
      expect(api.requests).toHaveLength(3);
      expect(await engine.store.countExecutionsByStatus('default')).toEqual({ succeeded: 3 });
      expect(await engine.store.listAttempts(waiting[0]!.id)).toEqual([]); // waiting spent no attempt
    });
  });

  describe('fallback chains', () => {
    it('primary, then backup, then a task for the ops team', async () => {
      const primary = await sink(500);
      const backup = await sink(502);
      engine = await make(config([{ name: 'primary', port: primary.port }, { name: 'backup', port: backup.port }]));
      await engine.workflows.deploy('default', wf([call('post', 'primary', {
        retry: { attempts: 1 },
        fallback: [
          { type: 'http.request', connector: 'backup', method: 'POST', path: '"/hook"' },
          { type: 'record.create', object: 'task', set: { subject: '"Notify lead " + record.id + " by hand"', owner: '"ops"' } },
        ],
      })]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      expect(await statusOf(engine)).toBe('succeeded');
      expect(primary.requests).toHaveLength(1);
      expect(backup.requests).toHaveLength(1);
      expect(backup.requests[0]?.key).not.toBe(primary.requests[0]?.key);
      const tasks = await engine.store.listRecords('default', 'task', 10);
      expect(tasks.map((t) => t.data.subject)).toEqual(['Notify lead l1 by hand']);
      const [exec] = await engine.store.listExecutions({ tenant: 'default' });
      const [step] = await engine.store.listSteps(exec!.id);
      expect(step?.output).toMatchObject({ via: 'post.fallback.1' });
    });
  });

  describe('dead-letter replay', () => {
    it('replays only what failed: the step that succeeded is not sent again, the failed one keeps its key', async () => {
      const first = await sink(200);
      const second = await sink(400);
      engine = await make(config([{ name: 'first', port: first.port }, { name: 'second', port: second.port }]));
      await engine.workflows.deploy('default', wf([call('one', 'first'), call('two', 'second')]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      expect(await statusOf(engine)).toBe('failed');
      second.status = 200;
      const [dead] = await engine.deadLetters.list('default');
      expect(await engine.deadLetters.replay('default', { ids: [dead!.id] })).toEqual([dead!.id]);
      await engine.worker.drain();
      expect(await statusOf(engine)).toBe('succeeded');
      expect(first.requests).toHaveLength(1);
      expect(second.requests).toHaveLength(2);
      expect(second.requests[0]?.key).toBe(second.requests[1]?.key);
      expect(await engine.deadLetters.replay('default', { ids: [dead!.id] })).toEqual([]); // no longer a dead letter
    });

    it('discard cancels a dead letter', async () => {
      const api = await sink(400);
      engine = await make(config([{ name: 'api', port: api.port }]));
      await engine.workflows.deploy('default', wf([call('post', 'api')]));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
      await engine.worker.drain();
      expect(await engine.deadLetters.discard('default', { all: true })).toHaveLength(1);
      expect(await statusOf(engine)).toBe('cancelled');
    });
  });

  describe('secrets', () => {
    it('never appear in API responses or log lines, even when the service echoes them', async () => {
      const secret = 'sk_live_0123456789abcdef';
      process.env.TEST_API_TOKEN = secret;
      const api = await sink(500, (req, res) => { res.statusCode = 500; res.end(`bad token ${String(req.headers.authorization)}`); });
      engine = await make(config([{ name: 'api', port: api.port, secret: true }]));
      const logs: string[] = [];
      const app = await buildServer(engine, { logger: { level: 'trace', stream: new Writable({ write(chunk: Buffer, _e, cb) { logs.push(chunk.toString()); cb(); } }) } });
      await app.inject({ method: 'PUT', url: '/v1/workflows/notify', payload: wf([call('post', 'api', { retry: { attempts: 1 } })]) });
      await app.inject({ method: 'POST', url: '/v1/records/lead', payload: { id: 'l1', name: 'Ada' } });
      await engine.worker.drain();
      expect(api.requests[0]?.headers.authorization).toBe(secret); // it was sent to the service
      const [exec] = await engine.store.listExecutions({ tenant: 'default' });
      const bodies = await Promise.all(['/v1/executions', `/v1/executions/${exec!.id}`, '/v1/dead-letters', `/v1/dead-letters/${exec!.id}`, '/v1/alerts', '/v1/breakers', '/v1/records/task', '/v1/workflows/notify']
        .map(async (url) => (await app.inject({ method: 'GET', url })).body));
      expect(bodies.join('\n')).toContain('dead-lettered');
      for (const body of bodies) expect(body).not.toContain(secret);
      expect(logs.length).toBeGreaterThan(0);
      for (const line of logs) expect(line).not.toContain(secret);
      await app.close();
    });
  });
});
