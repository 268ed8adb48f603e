// Scenario 1b: the executor alone, before and after batched commits, in the same run. N changes
// are written with the worker off (scenario 1's workflow: two conditions and one record.update),
// then one in-process worker drains the backlog: executions/s from the first claim to the last
// outcome, and store statements per execution (on PostgreSQL every statement is a round trip to
// the server, BEGIN and COMMIT included; on SQLite they are in-process statements).
import { now, pool, round } from '../lib.js';
import { benchEngine, bigDeal, finalCounts, freshStore, stopEngine, TENANT, throughputWorkflow, type Backend, type WorkerFlags } from './common.js';

export interface ExecutorOptions {
  backend: Backend;
  changes: number;
  /** false runs every execution on its own (the engine before batched commits). */
  batchCommit: boolean;
  worker: WorkerFlags;
}

export interface ExecutorResult {
  value: number;
  ms: number;
  statementsPerExecution: number;
  succeeded: number;
}

export async function executor(o: ExecutorOptions): Promise<ExecutorResult> {
  const bs = await freshStore(o.backend, 16);
  const engine = await benchEngine(bs, { worker: { ...o.worker, batchCommit: o.batchCommit }, runWorker: false, workflows: [throughputWorkflow()] });
  try {
    await pool(o.changes, 16, (i) => engine.records.create(TENANT, 'deal', bigDeal(i), { kind: 'user', id: 'bench' }, `d${i}`));
    const statements0 = bs.store.statementCount?.() ?? 0;
    const t0 = now();
    await engine.worker.drain();
    const ms = now() - t0;
    const statements = (bs.store.statementCount?.() ?? 0) - statements0;
    const { succeeded } = await finalCounts(bs.store);
    if (succeeded !== o.changes) throw new Error(`expected ${o.changes} succeeded executions, found ${succeeded}`);
    return { value: round(o.changes / (ms / 1000), 0), ms: round(ms, 0), statementsPerExecution: round(statements / o.changes, 2), succeeded };
  } finally {
    await stopEngine(engine, bs);
  }
}
