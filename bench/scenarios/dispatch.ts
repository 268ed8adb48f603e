// Scenario 3: at a steady rate of changes, the time from the write to the start of the execution it
// triggered (the worker's claim, 'execution:claimed'). Writer and worker share one process, as in
// the peers' latency runs, so one clock (performance.now) times both ends.
import { latencySummary, now, paced, waitFor, type LatencySummary } from '../lib.js';
import { benchEngine, bigDeal, freshStore, stopEngine, TENANT, throughputWorkflow, type Backend, type WorkerFlags } from './common.js';

export interface DispatchOptions {
  backend: Backend;
  rate: number;
  seconds: number;
  worker: WorkerFlags;
}

export interface DispatchResult extends LatencySummary {
  rate: number;
  seconds: number;
  /** The same, measured from when the write returned (after its commit) instead of when it was called. */
  fromCommit: LatencySummary;
}

export async function dispatch(o: DispatchOptions): Promise<DispatchResult> {
  const bs = await freshStore(o.backend);
  const engine = await benchEngine(bs, { worker: o.worker, runWorker: true, workflows: [throughputWorkflow()] });
  const called = new Map<string, number>();
  const committed = new Map<string, number>();
  const started = new Map<string, number>();
  engine.events.on('execution:claimed', (e) => { if (!started.has(e.recordId)) started.set(e.recordId, now()); });
  const create = async (id: string): Promise<void> => {
    called.set(id, now());
    await engine.records.create(TENANT, 'deal', bigDeal(0), { kind: 'user', id: 'bench' }, id);
    committed.set(id, now());
  };
  try {
    for (let i = 0; i < 100; i++) await create(`warm-${i}`); // JIT, connections; not recorded
    await waitFor(() => started.size >= 100, 'the warm-up executions to start');
    const n = await paced(o.rate, o.seconds, (i) => create(`d-${i}`));
    await waitFor(() => started.size >= 100 + n, 'every execution to start', 120_000);
    const ids = Array.from({ length: n }, (_, i) => `d-${i}`);
    const since = (from: Map<string, number>): number[] => ids.map((id) => (started.get(id) as number) - (from.get(id) as number));
    // A claim can land before the write's promise resolves (the wake-up precedes it): clamp to 0.
    return { ...latencySummary(since(called)), rate: o.rate, seconds: o.seconds, fromCommit: latencySummary(since(committed).map((x) => Math.max(0, x))) };
  } finally {
    await stopEngine(engine, bs);
  }
}
