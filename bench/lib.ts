// Small helpers shared by the benchmark scenarios: statistics, pacing, waiting, the machine.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
export const now = (): number => performance.now();
export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Value at quantile q (0..1) of an ascending-sorted array, nearest rank (as bench/peers does). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export interface LatencySummary { count: number; p50: number; p95: number; p99: number; max: number; mean: number }

export function latencySummary(samples: number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return {
    count: s.length, p50: round(quantile(s, 0.5)), p95: round(quantile(s, 0.95)), p99: round(quantile(s, 0.99)),
    max: round(s.at(-1) ?? NaN), mean: round(mean),
  };
}

/** Median (lower middle for an even count, as bench/peers does), min and max of a figure's runs. */
export interface Spread { median: number; min: number; max: number; runs: number[] }

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { median: s[(s.length - 1) >> 1] ?? NaN, min: s[0] ?? NaN, max: s.at(-1) ?? NaN, runs: values };
}

/**
 * Calls fn(i) at a steady `rate` per second for `seconds`, against absolute target times so timer
 * jitter does not accumulate; calls are not awaited one by one (a slow call must not slow arrivals).
 */
export async function paced(rate: number, seconds: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const n = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = now();
  // Only the calls still running are held: a long run must not keep every result alive (RSS).
  const pending = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  for (let i = 0; i < n && failure === undefined; i++) {
    const wait = start + i * interval - now();
    if (wait > 0) await sleep(wait);
    const call: Promise<unknown> = fn(i).catch((error: unknown) => { failure ??= error instanceof Error ? error : new Error(String(error)); }).finally(() => pending.delete(call));
    pending.add(call);
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  return n;
}

/** Runs fn(i) for i in 0..n-1 with at most `inFlight` calls pending at once. */
export async function pool(n: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

/** Resolves when predicate() is true, polling every everyMs; rejects after timeoutMs. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 600_000, everyMs = 20): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await predicate())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * The machine may be shared (tests, builds): waits until the CPUs were at least minIdle idle over
 * a 1 s sample, for at most maxWaitS seconds. Returns the last idle fraction seen (null without /proc).
 */
export async function waitForIdleCpu(maxWaitS: number, minIdle = 0.85): Promise<number | null> {
  if (!existsSync('/proc/stat')) return null;
  const sample = (): { idle: number; total: number } => {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  const deadline = now() + maxWaitS * 1000;
  let idle: number;
  do {
    const a = sample();
    await sleep(1000);
    const b = sample();
    idle = (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } while (idle < minIdle && now() < deadline);
  return round(idle, 2);
}

/** Peak resident set size of another process in MiB (VmHWM), or null when it cannot be read. */
export function peakRssOf(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

export const mib = (bytes: number): number => round(bytes / 1024 / 1024, 1);

function versionOf(command: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return pattern.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'unknown';
  }
}

export interface MachineInfo { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; redis: string; os: string }

/** What the figures were measured on. The PostgreSQL version is filled in by the caller (a query). */
export function machineInfo(): MachineInfo {
  const os = existsSync('/etc/os-release') ? (/PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'linux') : process.platform;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres: 'unknown',
    redis: versionOf('redis-server', ['--version'], /v=(\S+)/),
    os,
  };
}
