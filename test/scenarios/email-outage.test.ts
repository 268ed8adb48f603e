// The article's worst story, replayed: the email provider goes down during 500 executions.
// Afterwards every email is delivered exactly once (counted at the sink by idempotency key), the
// connector's breaker opened and closed, an alert went out within a minute, nothing was lost.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

const sink = { down: true, received: [] as string[], rejected: 0 };
let smtp: SMTPServer;
let smtpPort: number;
const alertsReceived: string[] = [];
const hook = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
  req.on('end', () => { alertsReceived.push(body); res.end('ok'); });
});

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!sink.down) return callback();
      sink.rejected++;
      callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
    },
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => { raw += c.toString('utf8'); });
      stream.on('end', () => {
        sink.received.push(/^x-idempotency-key:\s*(\S+)/im.exec(raw)?.[1] ?? 'missing');
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

await forEachStore('email provider outage during 500 executions', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  it('delivers every email exactly once, opens and closes the breaker, alerts within a minute', async () => {
    Object.assign(sink, { down: true, received: [], rejected: 0 });
    alertsReceived.length = 0;
    const hookPort = (hook.address() as AddressInfo).port;
    engine = await make({
      connectors: { default: [
        { name: 'mail', type: 'smtp', settings: { host: '127.0.0.1', port: smtpPort, from: 'desk@example.com' } },
        { name: 'ops-hook', type: 'http', settings: { baseUrl: `http://127.0.0.1:${hookPort}/alerts` } },
      ] },
      alerts: { connector: 'ops-hook' },
      outbound: { allow: [`127.0.0.1:${smtpPort}`, `127.0.0.1:${hookPort}`] },
      worker: { concurrency: 20, batchSize: 20 },
    });
    await engine.workflows.deploy('default', {
      id: 'welcome', name: 'Welcome new leads', object: 'lead', trigger: { on: 'created' },
      actions: [{ id: 'send', type: 'email.send', connector: 'mail', to: 'record.email', subject: '"Welcome, " + record.name', text: '"Hello!"' }],
    });
    const outageStart = engine.clock.now();
    for (let i = 0; i < 500; i++) await engine.records.create('default', 'lead', { name: `Lead ${i}`, email: `lead${i}@example.com` }, USER, `lead-${i}`);

    // Ten simulated minutes of outage, then the provider comes back; run until all is final.
    for (let t = 0; t < 4 * 3600; t += 5) {
      if (t >= 600) sink.down = false;
      await engine.worker.drain();
      const counts = await engine.store.countExecutionsByStatus('default');
      if ((counts.succeeded ?? 0) + (counts.failed ?? 0) === 500) break;
      engine.clock.advance(5_000);
    }

    const counts = await engine.store.countExecutionsByStatus('default');
    expect(counts).toEqual({ succeeded: 500 });
    expect(sink.received).toHaveLength(500);
    expect(new Set(sink.received).size).toBe(500);
    expect(sink.rejected).toBeGreaterThan(0);

    const [breaker] = await engine.store.listBreakers('default').then((b) => b.filter((x) => x.key === 'connector:mail'));
    const history = (breaker?.state as { history: { from: string; to: string }[] }).history.map((h) => `${h.from}->${h.to}`);
    expect(history).toContain('closed->open');
    expect(history.at(-1)).toBe('half_open->closed');

    const alerts = await engine.store.listAlerts('default', 100);
    const opened = alerts.find((a) => a.kind === 'breaker_open');
    expect(opened).toBeDefined();
    expect(opened!.at - outageStart).toBeLessThanOrEqual(60_000);
    expect(alerts.some((a) => a.kind === 'breaker_closed')).toBe(true);
    expect(alertsReceived.some((body) => body.includes('circuit breaker connector:mail opened'))).toBe(true);
    expect(await engine.deadLetters.list('default')).toEqual([]);
  });
});
