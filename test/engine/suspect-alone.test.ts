// The worker side of poison-pill containment: a suspect (its lease ran out without a checkpoint)
// is claimed only by a worker with nothing in flight, and while it runs that worker claims
// nothing else. Steps hang on a local HTTP server until the test releases them; the store is
// wrapped to observe the worker's claims, so the test awaits them instead of sleeping.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import type { Store } from '../../src/store/port.js';
import type { ExecutionRow } from '../../src/domain/types.js';
import type { ClaimOptions } from '../../src/store/types.js';
import { USER } from '../helpers/engine.js';
import { makeSqliteStore } from '../helpers/stores.js';

interface Observed { claims: { busy: boolean; records: string[] }[]; awaitCall(method: 'claimExecutions' | 'nextRunAt' | 'sweepLeases'): Promise<void> }

/** The store, with every claim recorded and a way to await the worker's next call of a method. */
function observed(store: Store): Store & Observed {
  const claims: Observed['claims'] = [];
  const waiters: { method: string; resolve: () => void }[] = [];
  const settle = (method: string): void => {
    for (const w of waiters.splice(0)) (w.method === method ? w.resolve : () => waiters.push(w))();
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'claims') return claims;
      if (prop === 'awaitCall') return (method: string) => new Promise<void>((resolve) => waiters.push({ method, resolve }));
      if (prop === 'claimExecutions') {
        return async (options: ClaimOptions) => {
          const rows: ExecutionRow[] = await target.claimExecutions(options);
          claims.push({ busy: options.busy === true, records: rows.map((r) => r.recordId) });
          settle('claimExecutions');
          return rows;
        };
      }
      if (prop === 'sweepLeases') {
        return async (...args: Parameters<Store['sweepLeases']>) => {
          const result = await target.sweepLeases(...args);
          settle('sweepLeases');
          return result;
        };
      }
      if (prop === 'nextRunAt') {
        return async () => {
          const at = await target.nextRunAt();
          settle('nextRunAt');
          return at;
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as Store & Observed;
}

const held = new Map<string, ServerResponse>();
let server: ReturnType<typeof createServer> | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  for (const res of held.values()) res.end('{}');
  held.clear();
  await engine?.worker.stop().catch(() => undefined);
  await engine?.store.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

it('a suspect waits for the in-flight work to drain, then runs alone; new work waits for it', async () => {
  const arrived = new Map<string, () => void>();
  const arrival = (record: string) => new Promise<void>((resolve) => arrived.set(record, resolve));
  server = createServer((req, res) => {
    req.resume();
    const record = (req.url ?? '').slice(1);
    held.set(record, res);
    arrived.get(record)?.();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const store = observed(await makeSqliteStore());
  const clock = new ManualClock();
  const config = resolveConfig({
    connectors: { default: [{ name: 'api', type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}` } }] },
    outbound: { allow: [`127.0.0.1:${port}`] },
    worker: { sweep: '1s' },
  });
  engine = createEngine({ store, config, clock, runWorker: false });
  await engine.start();
  await engine.workflows.deploy('default', {
    id: 'call', name: 'call', object: 'deal', trigger: { on: 'created' },
    actions: [{ id: 'call', type: 'http.request', connector: 'api', method: 'POST', path: 'record.name', timeout: '10m' }],
  });
  const release = (record: string): void => { held.get(record)?.end('{}'); held.delete(record); };
  const finished = (record: string) => new Promise<void>((resolve) => engine!.events.on('execution:finished', (e) => { if (e.recordId === record) resolve(); }));

  // The suspect: crashed once already, and now held by a dead worker whose 1 s lease will run out.
  await engine.records.create('default', 'deal', { name: 'suspect' }, USER, 'suspect');
  await store.claimExecutions({ workerId: 'dead', now: clock.now(), leaseMs: 1, limit: 1 });
  clock.advance(2);
  expect(await store.sweepExpiredLeases(clock.now())).toBe(1);
  await store.claimExecutions({ workerId: 'dead', now: clock.now(), leaseMs: 1000, limit: 1 });
  store.claims.length = 0;

  await engine.records.create('default', 'deal', { name: 'busy' }, USER, 'busy');
  const busyArrived = arrival('busy');
  engine.worker.start();
  await busyArrived; // 'busy' runs and hangs
  expect(store.claims[0]).toEqual({ busy: false, records: ['busy'] });

  // The dead worker's lease runs out; this worker's sweep makes 'suspect' ready, but it has work in
  // flight: it claims nothing (the suspect, or anything else) until that drained.
  const swept = store.awaitCall('sweepLeases');
  const claimsBefore = store.claims.length;
  clock.advance(1001);
  await swept;
  await store.awaitCall('nextRunAt'); // the loop went past its claim and is idle
  expect(await store.getExecution('default', (await store.listExecutions({ tenant: 'default', recordId: 'suspect' }))[0]!.id))
    .toMatchObject({ status: 'queued', leaseExpiries: 2 });
  expect(store.claims.slice(claimsBefore)).toEqual([]);

  const suspectArrived = arrival('suspect');
  const busyDone = finished('busy');
  release('busy');
  await busyDone;
  await suspectArrived; // drained: now the suspect is claimed, alone
  expect(store.claims.at(-1)).toEqual({ busy: false, records: ['suspect'] });

  // New work while the suspect runs: this worker claims nothing until the suspect ends.
  const idled = store.awaitCall('nextRunAt');
  const claimsWhileAlone = store.claims.length;
  await engine.records.create('default', 'deal', { name: 'later' }, USER, 'later');
  await idled;
  expect(store.claims.length).toBe(claimsWhileAlone);
  const laterArrived = arrival('later');
  const suspectDone = finished('suspect');
  release('suspect');
  await suspectDone;
  await laterArrived;
  expect(store.claims.slice(claimsWhileAlone).find((c) => c.records.length > 0)).toEqual({ busy: false, records: ['later'] });
  const suspect = (await store.listExecutions({ tenant: 'default', recordId: 'suspect' }))[0];
  expect(suspect).toMatchObject({ status: 'succeeded', leaseExpiries: 0 });
});
