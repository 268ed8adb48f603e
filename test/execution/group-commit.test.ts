// Group commit in the worker loop: while a batch's transaction is open, the worker claims nothing
// more (the next claim takes everything that queued meanwhile); once it commits, the worker claims
// at once. Driven with a scripted store and batch runner, so the loop's decisions are seen exactly.
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config.js';
import type { ExecutionRow } from '../../src/domain/types.js';
import type { BatchRunner } from '../../src/execution/batch-runner.js';
import { Quarantine } from '../../src/execution/quarantine.js';
import type { ExecutionRunner } from '../../src/execution/runner.js';
import { Worker } from '../../src/execution/worker.js';
import { EngineEvents } from '../../src/observability/events.js';
import type { Store } from '../../src/store/port.js';

/** Lets the worker loop run until it waits (macrotask turns, no clock time passes). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
};

let worker: Worker | undefined;
afterEach(async () => { await worker?.stop(); });

function setUp(multiProcess: boolean) {
  let wake: (() => void) | undefined;
  let claims = 0;
  let next = 0;
  const row = (): ExecutionRow => ({ id: `e${next++}`, attempt: 1, leaseExpiries: 0 }) as unknown as ExecutionRow;
  const store = {
    capabilities: { multiProcess },
    onWake: (listener: () => void) => { wake = listener; return () => undefined; },
    // Three claims find work; later ones find none, so the test can stop the worker.
    claimExecutions: async () => (++claims <= 3 ? [row(), row()] : []),
    sweepLeases: async () => ({ requeued: 0, quarantined: [] }),
    heartbeat: async () => [],
    nextRunAt: async () => undefined,
  } as unknown as Store;
  const open: (() => void)[] = [];
  const finish: (() => void)[] = [];
  let draining = false;
  const batchRunner = {
    run: (_execs: ExecutionRow[], _signal: AbortSignal, committed: () => void) => new Promise<void>((resolve) => {
      if (draining) return resolve();
      open.push(committed);
      finish.push(resolve);
    }),
  } as unknown as BatchRunner;
  /** Ends every batch, now and from now on, so the worker can stop. */
  const endAll = (): void => {
    draining = true;
    for (const done of finish) done();
  };
  const quarantine = new Quarantine({} as never, 3);
  const settings = { ...resolveConfig({}).worker, concurrency: 100, batchSize: 2 };
  worker = new Worker(store, {} as ExecutionRunner, new ManualClock(), settings, new EngineEvents(), quarantine, batchRunner);
  return { claims: () => claims, wake: () => wake?.(), open, endAll };
}

it('claims nothing while a batch commits on the embedded store, and claims again once it committed', async () => {
  const t = setUp(false);
  worker!.start();
  await settle();
  expect(t.claims()).toBe(1); // one batch, committing: no second claim though 98 slots are free
  t.wake();
  await settle();
  expect(t.claims()).toBe(1); // woken by new work: still waits for the commit
  t.open[0]!(); // the batch's transaction is over (its outside calls may still run)
  await settle();
  expect(t.claims()).toBe(2);
  t.endAll();
});

it('lets two batches commit at once on PostgreSQL, not three', async () => {
  const t = setUp(true);
  worker!.start();
  await settle();
  expect(t.claims()).toBe(2);
  t.wake();
  await settle();
  expect(t.claims()).toBe(2);
  t.open[1]!();
  await settle();
  expect(t.claims()).toBe(3);
  t.endAll();
});
