// A webhook outage opens the connector's breaker and executions wait for it. When the outage is
// over, one probe goes out; the executions refused while it is in flight wait only briefly, and the
// moment the probe closes the breaker every waiting execution is due and runs, without the clock
// moving on by minutes (the user's report: 45 of 100 still "waiting" 120 s after the close).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { BreakerState } from '../../src/failures/circuit-breaker.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

const sink = { down: true, hold: false, keys: [] as string[], held: [] as ServerResponse[], changed: () => undefined as void };
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (sink.down) {
      res.statusCode = 503;
      res.end('down');
    } else {
      sink.keys.push(String(req.headers['idempotency-key'] ?? ''));
      if (sink.hold) sink.held.push(res);
      else res.end('{"ok":true}');
    }
    sink.changed();
  });
});
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const WAITING = 'waiting: circuit breaker connector:hook is open';

await forEachStore('breaker wake-up after an outage', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  it('runs every waiting execution as soon as the probe closes the breaker', async () => {
    Object.assign(sink, { down: true, hold: false, keys: [], held: [] });
    const port = (server.address() as AddressInfo).port;
    engine = await make({
      connectors: { default: [{
        name: 'hook', type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}` },
        breaker: { minimumVolume: 5, failureRate: 0.5, openFor: '1m' },
      }] },
      outbound: { allow: [`127.0.0.1:${port}`] },
      worker: { concurrency: 20, batchSize: 20 },
    }, () => 0.5);
    await engine.workflows.deploy('default', {
      id: 'notify', name: 'notify', object: 'lead', trigger: { on: 'created' },
      actions: [{ id: 'post', type: 'http.request', connector: 'hook', method: 'POST', path: '"/hook"', body: { lead: 'record.id' }, retry: { attempts: 10, initial: '5s', factor: 1 } }],
    });

    // The outage: the first calls fail and open the breaker; the rest, and the retries, wait on it.
    for (let i = 0; i < 10; i++) await engine.records.create('default', 'lead', { name: `early ${i}` }, USER, `early-${i}`);
    await engine.worker.drain();
    const breaker = async (): Promise<BreakerState> => (await engine.store.getBreaker('default', 'connector:hook'))?.state as unknown as BreakerState;
    expect((await breaker()).state).toBe('open');
    engine.clock.advance(10_000); // past the retries' backoff (5 s, with jitter)
    for (let i = 0; i < 90; i++) await engine.records.create('default', 'lead', { name: `late ${i}` }, USER, `late-${i}`);
    await engine.worker.drain();
    const waiting = await engine.store.listExecutions({ tenant: 'default', status: 'queued' });
    expect(waiting).toHaveLength(100);
    expect(waiting.map((e) => e.reason).filter((r) => r !== WAITING)).toEqual([]);

    // The outage is over. At the end of the open period one probe goes out; hold its answer
    // until every other execution claimed with it has been refused.
    sink.down = false;
    sink.hold = true;
    engine.clock.set((await breaker()).openedAt! + 60_000);
    let claimed = 0;
    let refused = 0;
    engine.events.on('execution:claimed', () => claimed++);
    engine.events.on('execution:finished', (_e, status, reason) => { if (status === 'queued' && reason === WAITING) refused++; });
    const probeInFlight = new Promise<void>((resolve) => {
      const check = (): void => { if (sink.held.length === 1 && claimed > 1 && refused === claimed - 1) resolve(); };
      sink.changed = check;
      engine.events.on('execution:finished', check);
    });
    const draining = engine.worker.drain();
    await probeInFlight;
    expect((await breaker()).state).toBe('half_open');
    // Refused while the probe runs: asked to come back shortly, not after the 5-minute probe timeout.
    const refusedRows = (await engine.store.listExecutions({ tenant: 'default', status: 'queued' })).filter((e) => e.runAt > engine.clock.now());
    expect(refusedRows).toHaveLength(claimed - 1);
    expect(refusedRows.every((e) => e.runAt <= engine.clock.now() + 5_000)).toBe(true);

    sink.hold = false;
    for (const res of sink.held.splice(0)) res.end('{"ok":true}');
    await draining; // the same drain, clock unmoved: the close made them all due

    expect(await engine.store.countExecutionsByStatus('default')).toEqual({ succeeded: 100 });
    expect((await engine.store.listExecutions({ tenant: 'default' })).some((e) => e.reason === WAITING)).toBe(false);
    expect(new Set(sink.keys).size).toBe(100);
    const history = (await breaker()).history.map((h) => `${h.from}->${h.to}`);
    expect(history.slice(-3)).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    const alerts = (await engine.store.listAlerts('default', 20)).map((a) => a.kind);
    expect(alerts.filter((k) => k === 'breaker_open')).toHaveLength(1);
    expect(alerts.filter((k) => k === 'breaker_closed')).toHaveLength(1);
  });
});
