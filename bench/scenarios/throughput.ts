// Scenario 1 (and 4's peak RSS): N record changes, each triggering scenario 1's workflow; executions
// per second from the first change to the last execution final. Embedded: the worker runs in this
// process. PostgreSQL: this process only loads; `workers` CLI worker processes run the executions.
import { mib, now, pool, round, sleep, waitFor } from '../lib.js';
import {
  benchEngine, bigDeal, finalCounts, freshStore, stopEngine, TENANT, throughputWorkflow, withPg, WorkerProcesses,
  type Backend, type WorkerFlags,
} from './common.js';

export interface ThroughputOptions {
  backend: Backend;
  /** Worker processes (PostgreSQL); 0 runs the worker in this process (the embedded engine). */
  workers: number;
  changes: number;
  /** Writes (or, with chunk > 1, transactions of writes) the loader keeps in flight. */
  inFlight: number;
  /**
   * Writes per transaction (RecordsService.writeMany), as the peers add jobs in bulk (BullMQ
   * addBulk, graphile-worker addJobs); 1 (the default) is one API-like write per transaction.
   */
  chunk?: number;
  worker: WorkerFlags;
}

export interface ThroughputResult {
  value: number;
  changes: number;
  ms: number;
  loadMs: number;
  succeeded: number;
  /** Peak RSS of this process during the run (the engine, when embedded; the loader otherwise). */
  peakRssMiB: number;
  workerPeakRssMiB: (number | null)[];
}

export async function throughput(o: ThroughputOptions): Promise<ThroughputResult> {
  const inProcess = o.workers === 0;
  const bs = await freshStore(o.backend, Math.max(10, o.inFlight));
  const engine = await benchEngine(bs, { worker: o.worker, runWorker: false, workflows: [throughputWorkflow()] });
  const workers = new WorkerProcesses();
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 50);
  try {
    if (!inProcess) await workers.start(o.workers, bs.location, o.worker);
    let final = 0;
    let lastFinal = 0;
    engine.events.on('execution:finished', (_e, status) => {
      if (status !== 'queued' && ++final === o.changes) lastFinal = now();
    });
    if (inProcess) engine.worker.start();

    const t0 = now();
    const t0Epoch = Date.now();
    const chunk = o.chunk ?? 1;
    if (chunk <= 1) {
      await pool(o.changes, o.inFlight, (i) => engine.records.create(TENANT, 'deal', bigDeal(i), { kind: 'user', id: 'bench' }, `d${i}`));
    } else {
      await pool(Math.ceil(o.changes / chunk), o.inFlight, (c) => engine.records.writeMany(TENANT,
        Array.from({ length: Math.min(chunk, o.changes - c * chunk) }, (_, k) => {
          const i = c * chunk + k;
          return { op: 'create' as const, tenant: TENANT, type: 'deal', id: `d${i}`, data: bigDeal(i), actor: { kind: 'user' as const, id: 'bench' } };
        })));
    }
    const loadMs = now() - t0;

    let ms: number;
    if (inProcess) {
      await waitFor(() => final >= o.changes, 'all executions to finish', 900_000, 5);
      ms = lastFinal - t0;
    } else {
      await waitFor(async () => (await finalCounts(bs.store)).final >= o.changes, 'all executions to finish', 900_000, 250);
      // Workers stamp finished_at from the same system clock: the last one ends the run.
      const schema = new URL(bs.location).searchParams.get('schema') as string;
      const end = await withPg(async (c) => (await c.query<{ at: string }>(`SELECT max(finished_at) AS at FROM ${schema}.executions`)).rows[0]?.at);
      ms = Number(end) - t0Epoch;
    }
    const { succeeded } = await finalCounts(bs.store);
    if (succeeded !== o.changes) throw new Error(`expected ${o.changes} succeeded executions, found ${succeeded}`);
    return {
      value: round(o.changes / (ms / 1000), 0), changes: o.changes, ms: round(ms, 0), loadMs: round(loadMs, 0), succeeded,
      peakRssMiB: mib(Math.max(peakRss, process.memoryUsage.rss())), workerPeakRssMiB: workers.peakRss(),
    };
  } finally {
    clearInterval(sampler);
    await workers.stop();
    await stopEngine(engine, bs);
    await sleep(100);
  }
}
