// Small helpers shared by the peer benchmarks.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
export const now = () => performance.now();

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Admin connection (used to drop/create the benchmark database).
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const PG_BENCH_DB = process.env.PG_BENCH_DB ?? 'bench_peers';

/** Value at quantile q (0..1) of an ascending-sorted array (nearest rank). */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx];
}

export function latencySummary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return {
    count: s.length,
    p50: round(quantile(s, 0.5)),
    p95: round(quantile(s, 0.95)),
    p99: round(quantile(s, 0.99)),
    max: round(s[s.length - 1]),
    mean: round(mean),
  };
}

export const round = (x, digits = 2) => Number(x.toFixed(digits));

/**
 * Calls fn(i) at a steady `rate` per second for `seconds` seconds, scheduling
 * against absolute target times so timer jitter does not accumulate. Calls
 * are not awaited one by one (a slow add must not slow the arrival rate).
 */
export async function paced(rate, seconds, fn) {
  const n = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = now();
  const pending = [];
  for (let i = 0; i < n; i++) {
    const wait = start + i * interval - now();
    if (wait > 0) await sleep(wait);
    pending.push(fn(i));
  }
  await Promise.all(pending);
  return n;
}

/** Resolves once predicate() is true, polling every `everyMs`; rejects after timeoutMs. */
export async function waitFor(predicate, { everyMs = 2, timeoutMs = 300_000, what = 'condition' } = {}) {
  const deadline = now() + timeoutMs;
  while (!(await predicate())) {
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Sanity check: every job index was processed exactly once. */
export function assertEachRanOnce(seen) {
  const bad = seen.findIndex((c) => c !== 1);
  if (bad !== -1) throw new Error(`job ${bad} ran ${seen[bad]} times (expected exactly once)`);
}

/**
 * The machine may be shared (tests, builds): waits until the CPUs were at
 * least `minIdle` idle over a 1 s sample, for at most maxWaitS seconds.
 * Returns the last idle fraction seen (null where /proc/stat is missing).
 */
export async function waitForIdleCpu({ minIdle = 0.85, maxWaitS = 30 } = {}) {
  const { readFileSync, existsSync } = await import('node:fs');
  if (!existsSync('/proc/stat')) return null;
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  const deadline = now() + maxWaitS * 1000;
  let idle;
  do {
    const a = sample();
    await sleep(1000);
    const b = sample();
    idle = (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } while (idle < minIdle && now() < deadline);
  return round(idle, 2);
}
