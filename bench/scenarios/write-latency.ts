// Scenario 2: p50/p99 of record writes through the HTTP API (real HTTP on loopback, undici) while
// 0, 10 or 50 workflows match each write, with the worker running in the same process.
import { Pool } from 'undici';
import { buildServer } from '../../src/server/app.js';
import { latencySummary, now, paced, type LatencySummary } from '../lib.js';
import { benchEngine, bigDeal, freshStore, stopEngine, throughputWorkflow, type Backend, type WorkerFlags } from './common.js';

export interface WriteLatencyOptions {
  backend: Backend;
  workflows: number;
  /** Writes per second (paced, not one after another) and for how long. */
  rate: number;
  seconds: number;
  worker: WorkerFlags;
}

export interface WriteLatencyResult extends LatencySummary {
  workflows: number;
  rate: number;
  seconds: number;
  /** Executions the writes queued (workflows x writes), and how many had finished when the writes stopped. */
  queued: number;
  finishedDuring: number;
}

export async function writeLatency(o: WriteLatencyOptions): Promise<WriteLatencyResult> {
  const bs = await freshStore(o.backend);
  const workflows = Array.from({ length: o.workflows }, (_, i) => throughputWorkflow(`bench-w${String(i).padStart(2, '0')}`));
  const engine = await benchEngine(bs, { worker: o.worker, runWorker: true, workflows });
  const app = await buildServer(engine);
  const http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }), { connections: 16, pipelining: 1 });
  let finished = 0;
  engine.events.on('execution:finished', (_e, status) => { if (status !== 'queued') finished++; });
  try {
    const write = async (id: string): Promise<number> => {
      const t0 = now();
      const res = await http.request({
        method: 'POST', path: '/v1/records/deal', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, ...bigDeal(0) }),
      });
      await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST /v1/records/deal answered ${res.statusCode}`);
      return now() - t0;
    };
    for (let i = 0; i < 50; i++) await write(`warm-${i}`); // connections, JIT; not recorded
    const samples: number[] = [];
    const queuedBefore = finished;
    await paced(o.rate, o.seconds, async (i) => { samples.push(await write(`w-${i}`)); });
    return { ...latencySummary(samples), workflows: o.workflows, rate: o.rate, seconds: o.seconds, queued: samples.length * o.workflows, finishedDuring: finished - queuedBefore };
  } finally {
    await http.close();
    await app.close();
    await stopEngine(engine, bs);
  }
}
