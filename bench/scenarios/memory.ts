// Scenario 4 (second half): RSS of the embedded engine (worker in this process) under a steady load
// of changes, after 1 minute and at the end (5 minutes by default). Each mark is the median of the
// samples (one a second) in the 10 s before it, so one GC pause does not decide it.
import { mib, paced, round, waitFor } from '../lib.js';
import { benchEngine, bigDeal, freshStore, stopEngine, TENANT, throughputWorkflow, type Backend, type WorkerFlags } from './common.js';

export interface MemoryOptions {
  backend: Backend;
  rate: number;
  minutes: number;
  worker: WorkerFlags;
}

export interface MemoryResult {
  rate: number;
  minutes: number;
  rssAt1mMiB: number;
  rssAtEndMiB: number;
  /** rssAtEnd / rssAt1m. */
  growth: number;
  heapAt1mMiB: number;
  heapAtEndMiB: number;
  peakRssMiB: number;
  changes: number;
  /** Queued executions left when the load stopped (the worker kept up if this is small). */
  backlogAtEnd: number;
}

interface Sample { t: number; rss: number; heap: number }

const medianAround = (samples: Sample[], tEnd: number, key: 'rss' | 'heap'): number => {
  const window = samples.filter((s) => s.t > tEnd - 10 && s.t <= tEnd).map((s) => s[key]).sort((a, b) => a - b);
  return mib(window[(window.length - 1) >> 1] ?? NaN);
};

export async function memory(o: MemoryOptions): Promise<MemoryResult> {
  const bs = await freshStore(o.backend);
  const engine = await benchEngine(bs, { worker: o.worker, runWorker: true, workflows: [throughputWorkflow()] });
  const samples: Sample[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed });
  }, 1000);
  let finished = 0;
  engine.events.on('execution:finished', (_e, status) => { if (status !== 'queued') finished++; });
  try {
    const seconds = o.minutes * 60;
    const changes = await paced(o.rate, seconds, (i) => engine.records.create(TENANT, 'deal', bigDeal(i), { kind: 'user', id: 'bench' }, `m-${i}`));
    await waitFor(() => samples.length >= seconds, 'the last memory sample');
    const backlogAtEnd = changes - finished;
    const rssAt1m = medianAround(samples, 60, 'rss');
    const rssAtEnd = medianAround(samples, seconds, 'rss');
    return {
      rate: o.rate, minutes: o.minutes, rssAt1mMiB: rssAt1m, rssAtEndMiB: rssAtEnd, growth: round(rssAtEnd / rssAt1m, 3),
      heapAt1mMiB: medianAround(samples, 60, 'heap'), heapAtEndMiB: medianAround(samples, seconds, 'heap'),
      peakRssMiB: mib(Math.max(...samples.map((s) => s.rss))), changes, backlogAtEnd,
    };
  } finally {
    clearInterval(sampler);
    await stopEngine(engine, bs);
  }
}
