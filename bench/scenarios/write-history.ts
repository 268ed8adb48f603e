// Scenario 2b: p50/p99 of HTTP writes to ONE record that 50 workflows match, when those workflows
// already have a long history of executions on that record (default 50,000 queued), worker off.
// It measures the write transaction's own cost: the loop guard's reads (re-entry rule on every
// workflow) must stay index lookups, however many executions the record already has.
import { Pool } from 'undici';
import { buildServer } from '../../src/server/app.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import type { NewExecution } from '../../src/domain/types.js';
import { latencySummary, now, paced, type LatencySummary } from '../lib.js';
import { benchEngine, bigDeal, freshStore, stopEngine, TENANT, throughputWorkflow, type Backend, type WorkerFlags } from './common.js';

export interface WriteHistoryOptions {
  backend: Backend;
  workflows: number;
  /** Executions already queued on the record before the first measured write (spread over the workflows). */
  history: number;
  rate: number;
  seconds: number;
  worker: WorkerFlags;
}

export interface WriteHistoryResult extends LatencySummary {
  workflows: number;
  history: number;
  rate: number;
  seconds: number;
  /** Executions on the record when the writes stopped (history + what the writes inserted). */
  executionsAtEnd: number;
}

const RECORD = 'hot';
const DAY = 86_400_000;

/** Fires on every update of a deal, at most once per 24 h per record: the guard reads its history. */
function reentryWorkflow(i: number): WorkflowDefinition {
  return { ...throughputWorkflow(`bench-h${String(i).padStart(2, '0')}`), trigger: { on: 'updated' }, reentry: { policy: 'once_per_period', within: '24h' } };
}

export async function writeHistory(o: WriteHistoryOptions): Promise<WriteHistoryResult> {
  const bs = await freshStore(o.backend);
  const workflows = Array.from({ length: o.workflows }, (_, i) => reentryWorkflow(i));
  const engine = await benchEngine(bs, { worker: o.worker, runWorker: false, workflows });
  const app = await buildServer(engine);
  const http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }), { connections: 16, pipelining: 1 });
  try {
    await engine.records.create(TENANT, 'deal', bigDeal(0), { kind: 'user', id: 'bench' }, RECORD);
    // The history: queued executions of every workflow on the record, the newest two days old, so
    // that the first write still queues and the ones after it are stopped by the re-entry rule.
    const start = Date.now() - 2 * DAY;
    const seed = (i: number): NewExecution => {
      const wf = workflows[i % workflows.length] as WorkflowDefinition;
      return {
        id: `seed-${i}`, tenant: TENANT, kind: 'workflow', workflowId: wf.id, version: 1, triggerKey: `seed-change-${i}`, stepId: '',
        parentId: null, recordType: 'deal', recordId: RECORD, lane: `${TENANT}/deal/${RECORD}`, runAt: start + i,
        rootChangeId: `seed-change-${i}`, depth: 0, input: {}, createdAt: start + i,
      };
    };
    for (let i = 0; i < o.history; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, o.history - i) }, (_, k) => seed(i + k));
      await bs.store.transaction((tx) => tx.insertExecutions(rows));
    }
    let amount = 70_000;
    const write = async (): Promise<number> => {
      const t0 = now();
      const res = await http.request({
        method: 'PATCH', path: `/v1/records/deal/${RECORD}`, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: amount++ }),
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`PATCH /v1/records/deal/${RECORD} answered ${res.statusCode}`);
      return now() - t0;
    };
    for (let i = 0; i < 50; i++) await write(); // connections, JIT; not recorded
    const samples: number[] = [];
    await paced(o.rate, o.seconds, async () => { samples.push(await write()); });
    const executionsAtEnd = Object.values(await bs.store.countExecutionsByStatus(TENANT)).reduce((a, b) => a + b, 0);
    return { ...latencySummary(samples), workflows: o.workflows, history: o.history, rate: o.rate, seconds: o.seconds, executionsAtEnd };
  } finally {
    await http.close();
    await app.close();
    await stopEngine(engine, bs);
  }
}
