// A worker paused past its lease (its step hangs on a slow service) cannot commit anything once
// another worker has claimed the execution: fencing by attempt number (invariant 5).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

await forEachStore('stale worker', (make, _backend, again) => {
  const open: TestEngine[] = [];
  const held: ServerResponse[] = [];
  let server: ReturnType<typeof createServer> | undefined;
  afterEach(async () => {
    for (const res of held.splice(0)) res.end();
    for (const e of open.splice(0)) await closeEngine(e);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('worker A\'s lease expires mid-step; B claims and finishes; A\'s late result is refused and changes nothing', async () => {
    const keys: string[] = [];
    let firstArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => { firstArrived = resolve; });
    server = createServer((req, res) => {
      keys.push(String(req.headers['idempotency-key']));
      req.resume();
      if (keys.length === 1) { held.push(res); firstArrived(); return; } // A's call hangs
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const raw = {
      connectors: { default: [{ name: 'api', type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}` } }] },
      outbound: { allow: [`127.0.0.1:${port}`] },
      worker: { lease: '30s' },
    };
    const a = await make(raw);
    open.push(a);
    const b = await again(a, raw);
    open.push(b);
    await a.workflows.deploy('default', {
      id: 'notify', name: 'notify', object: 'deal', trigger: { on: 'created' },
      actions: [
        { id: 'call', type: 'http.request', connector: 'api', method: 'POST', path: '"/"', timeout: '10m' },
        { id: 'mark', type: 'record.update', set: { priority: '"notified"' } },
      ],
    });
    await a.records.create('default', 'deal', { name: 'Acme' }, USER, 'd1');

    const lost = new Promise<string>((resolve) => a.events.once('lease:lost', resolve));
    const aRun = a.worker.drain(1); // A claims and hangs in the HTTP call
    await arrived;
    b.clock.set(a.clock.now() + 31_000); // A is "paused": only B sees time pass
    expect(await b.store.sweepExpiredLeases(b.clock.now())).toBe(1);
    expect(await b.worker.drain()).toBe(1);
    const [exec] = await b.store.listExecutions({ tenant: 'default' });
    expect(exec).toMatchObject({ status: 'succeeded', attempt: 2 });

    for (const res of held.splice(0)) res.end('{"ok":true}'); // A's call returns at last
    expect(await lost).toBe(exec!.id);
    await aRun;
    const after = await b.executions.show('default', exec!.id);
    expect(after).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(after.steps.map((s) => [s.stepId, s.status, s.attempt])).toEqual([['call', 'succeeded', 2], ['mark', 'succeeded', 2]]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]); // the service can tell the two calls are one
    const deal = await b.records.get('default', 'deal', 'd1');
    expect(deal.version).toBe(2); // the record.update ran once, under B
  });
});
