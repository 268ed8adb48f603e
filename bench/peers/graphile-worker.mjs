// graphile-worker no-op job benchmarks: throughput and add-to-start latency.
// Standalone: node graphile-worker.mjs [jobs]
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { PG_ADMIN_URL, PG_BENCH_DB, now, paced, latencySummary, round, waitFor, assertEachRanOnce } from './lib.mjs';

// Skip building a log line per successful job (graphile-worker reads this at import time).
process.env.NO_LOG_SUCCESS ??= '1';
const { run, runMigrations, makeWorkerUtils, Logger } = await import('graphile-worker');

export const peer = 'graphile-worker';
export const version = (await import('graphile-worker/package.json', { with: { type: 'json' } })).default.version;

const benchUrl = (() => { const u = new URL(PG_ADMIN_URL); u.pathname = `/${PG_BENCH_DB}`; return u.toString(); })();
// Warnings and errors only.
const logger = new Logger(() => (level, message) => { if (level === 'error' || level === 'warning') console.error(`[graphile-worker] ${level}: ${message}`); });

/**
 * Throughput configurations tried; run.mjs reports the best by median.
 * The first is the unbatched baseline (each worker fetches and completes its
 * own job). Then graphile-worker's batching features:
 * localQueue.size: the pool locks and fetches up to `size` jobs per query;
 * completeJobBatchDelay: completions are batched into one query (0 = same tick).
 * batch: jobs per addJobs call.
 */
export const throughputConfigs = [
  { concurrency: 10, batch: 1000 },
  { concurrency: 50, localQueueSize: 500, completeJobBatchDelay: 0, batch: 1000 },
  { concurrency: 50, localQueueSize: 1000, completeJobBatchDelay: 0, batch: 1000 },
  { concurrency: 100, localQueueSize: 2000, completeJobBatchDelay: 0, batch: 2000 },
];
export const latencyConfig = { concurrency: 10 };

export async function check() {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL not reachable at ${PG_ADMIN_URL}: ${err.message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops and recreates the benchmark database, then installs graphile-worker's schema. */
async function freshDatabase() {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    // Pools of the previous run may still be closing their connections.
    const others = `select count(*)::int as n from pg_stat_activity where datname = $1`;
    await waitFor(async () => (await admin.query(others, [PG_BENCH_DB])).rows[0].n === 0, { everyMs: 20, timeoutMs: 10_000 }).catch(() => {});
    await admin.query(`drop database if exists ${PG_BENCH_DB} with (force)`);
    await admin.query(`create database ${PG_BENCH_DB}`);
  } finally {
    await admin.end();
  }
  await runMigrations({ connectionString: benchUrl, logger });
}

/** Starts a runner with one task `noop`; `done()` stops it and releases utils. */
async function setup(task, { concurrency = 10, localQueueSize = -1, completeJobBatchDelay = -1, pollInterval = 1000 }) {
  await freshDatabase();
  const events = new EventEmitter();
  const utils = await makeWorkerUtils({ connectionString: benchUrl, logger, maxPoolSize: 10 });
  const runner = await run({
    connectionString: benchUrl,
    logger,
    events,
    concurrency,
    pollInterval,
    maxPoolSize: Math.max(10, concurrency + 2),
    noHandleSignals: true,
    taskList: { noop: task },
    preset: { worker: { localQueue: { size: localQueueSize }, completeJobBatchDelay } },
  });
  const done = async () => {
    await runner.stop();
    await utils.release();
  };
  return { utils, runner, events, done };
}

const pendingJobs = (utils) =>
  utils.withPgClient(async (c) => Number((await c.query('select count(*) from graphile_worker._private_jobs')).rows[0].count));

/** N no-op jobs added with addJobs; jobs/s from first add until the last job is deleted (completed). */
export async function throughput({ jobs = 20_000, batch = 1000, ...config } = {}) {
  const seen = new Uint8Array(jobs);
  const { utils, events, done } = await setup(async (payload) => { seen[payload.i]++; }, config);
  let succeeded = 0;
  let failed = null;
  events.on('job:success', () => { succeeded++; });
  events.on('job:failed', ({ error }) => { failed = error; });
  const t0 = now();
  for (let i = 0; i < jobs; i += batch) {
    const n = Math.min(batch, jobs - i);
    await utils.addJobs(Array.from({ length: n }, (_, k) => ({ identifier: 'noop', payload: { i: i + k } })));
  }
  const enqueueMs = now() - t0;
  await waitFor(() => { if (failed) throw failed; return succeeded >= jobs; }, { what: 'all jobs to run' });
  // With completeJobBatchDelay the final completions may still be in flight.
  await waitFor(async () => (await pendingJobs(utils)) === 0, { what: 'all jobs to be completed' });
  const ms = now() - t0;
  await done();
  assertEachRanOnce(seen);
  return { value: round(jobs / (ms / 1000), 0), jobs, ms: round(ms, 0), enqueueMs: round(enqueueMs, 0), batch, ...config };
}

/** Adds one job at a time (addJob) at `rate`/s for `seconds`; latency = task start - add call. */
export async function latency({ rate = 200, seconds = 10, ...config } = {}) {
  const samples = [];
  const { utils, done } = await setup(async (payload) => { samples.push(now() - payload.t); }, config);
  const n = await paced(rate, seconds, () => utils.addJob('noop', { t: now() }));
  await waitFor(() => samples.length >= n, { what: 'all jobs to start' });
  await done();
  return { ...latencySummary(samples), rate, seconds, ...config };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await check();
  const jobs = Number(process.argv[2] ?? 20_000);
  for (const config of throughputConfigs) console.log('throughput', await throughput({ jobs, ...config }));
  console.log('latency', await latency(latencyConfig));
}
