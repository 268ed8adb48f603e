// BullMQ no-op job benchmarks: throughput and add-to-start latency.
// Standalone: node bullmq.mjs [jobs] [concurrency]
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { REDIS_URL, now, paced, latencySummary, round, assertEachRanOnce } from './lib.mjs';

const url = new URL(REDIS_URL);
// BullMQ creates its own ioredis connections from these options; workers
// require maxRetriesPerRequest: null.
const connection = {
  host: url.hostname,
  port: Number(url.port || 6379),
  password: url.password || undefined,
  db: Number(url.pathname.slice(1)) || 0,
  maxRetriesPerRequest: null,
};
// Completed jobs are removed, as graphile-worker does (BullMQ's default keeps them).
const defaultJobOptions = { removeOnComplete: true, removeOnFail: true };

export const peer = 'bullmq';
export const version = (await import('bullmq/package.json', { with: { type: 'json' } })).default.version;

/**
 * Throughput configurations tried (worker concurrency x addBulk batch size);
 * run.mjs reports the best by median. Larger batches (5000) and concurrency
 * 200/400 were not faster in trials on a 2-core machine.
 */
export const throughputConfigs = [
  { concurrency: 50, batch: 1000 },
  { concurrency: 100, batch: 1000 },
  { concurrency: 50, batch: 200 },
  { concurrency: 100, batch: 200 },
];
export const latencyConfig = { concurrency: 50 };

export async function check() {
  const redis = new IORedis({ ...connection, lazyConnect: true, connectTimeout: 3000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let cause;
  redis.on('error', (err) => { cause ??= err; });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis not reachable at ${REDIS_URL}: ${(cause ?? err).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Starts a queue + worker pair on a fresh queue; `done()` obliterates and closes. */
async function setup(processor, concurrency) {
  const name = `bench-peers-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection, defaultJobOptions });
  await queue.obliterate({ force: true });
  const worker = new Worker(name, processor, { connection, concurrency });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const done = async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  };
  return { queue, worker, done };
}

/** N no-op jobs added with addBulk; jobs/s from first add to last completion. */
export async function throughput({ jobs = 20_000, concurrency = 50, batch = 1000 } = {}) {
  const seen = new Uint8Array(jobs);
  const { queue, worker, done } = await setup(async (job) => { seen[job.data.i]++; }, concurrency);
  let completed = 0;
  const finished = new Promise((resolve, reject) => {
    worker.on('completed', () => { if (++completed === jobs) resolve(); });
    worker.on('failed', (_job, err) => reject(err));
  });
  const t0 = now();
  for (let i = 0; i < jobs; i += batch) {
    const n = Math.min(batch, jobs - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
  const enqueueMs = now() - t0;
  await finished;
  const ms = now() - t0;
  await done();
  assertEachRanOnce(seen);
  return { value: round(jobs / (ms / 1000), 0), jobs, ms: round(ms, 0), enqueueMs: round(enqueueMs, 0), concurrency, batch };
}

/** Adds one job at a time at `rate`/s for `seconds`; latency = processor start - add call. */
export async function latency({ rate = 200, seconds = 10, concurrency = 50 } = {}) {
  const samples = [];
  const { queue, done } = await setup(async (job) => { samples.push(now() - job.data.t); }, concurrency);
  const n = await paced(rate, seconds, () => queue.add('noop', { t: now() }));
  while (samples.length < n) await new Promise((r) => setTimeout(r, 5));
  await done();
  return { ...latencySummary(samples), rate, seconds, concurrency };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await check();
  const jobs = Number(process.argv[2] ?? 20_000);
  const concurrency = Number(process.argv[3] ?? 50);
  console.log('throughput', await throughput({ jobs, concurrency }));
  console.log('latency', await latency({ concurrency }));
}
