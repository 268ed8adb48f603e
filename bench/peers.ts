// The peer benchmarks (BullMQ, graphile-worker) live in bench/peers, a package of their own; this
// installs them when needed and runs them in the same `npm run bench`, reading their JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PEERS_DIR = resolve(import.meta.dirname, 'peers');

export interface PeerThroughput {
  peer: string; version: string; scenario: 'throughput'; unit: 'jobs/s'; config: Record<string, unknown>;
  runs: number[]; median: number; min: number; max: number;
  candidates: { config: Record<string, unknown>; runs: number[]; median: number }[];
}
type Percentiles = { p50: number; p95: number; p99: number };
export interface PeerLatency {
  peer: string; version: string; scenario: 'latency'; unit: 'ms'; config: Record<string, unknown>;
  median: Percentiles; min: Percentiles; max: Percentiles;
}
export type PeerResult = PeerThroughput | PeerLatency;

export interface PeerOptions { jobs: number; runs: number; rate: number; seconds: number; idleWait: number; only?: string; outFile: string }

function ensureInstalled(log: (line: string) => void): void {
  if (existsSync(join(PEERS_DIR, 'node_modules'))) return;
  log('installing the peer benchmarks: npm ci --prefix bench/peers');
  const r = spawnSync('npm', ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (${r.status})`);
}

/** Runs bench/peers/run.mjs; returns its results, or the reason it could not run. */
export function runPeers(o: PeerOptions, log: (line: string) => void): { results: PeerResult[]; error?: string } {
  ensureInstalled(log);
  const args = ['run.mjs', '--jobs', String(o.jobs), '--runs', String(o.runs), '--rate', String(o.rate), '--seconds', String(o.seconds),
    '--idle-wait', String(o.idleWait), '--out', o.outFile, ...(o.only ? ['--only', o.only] : [])];
  log(`peers: node ${args.join(' ')} (in bench/peers)`);
  const r = spawnSync(process.execPath, args, { cwd: PEERS_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) return { results: [], error: `bench/peers/run.mjs exited with ${r.status ?? r.signal}` };
  return { results: JSON.parse(readFileSync(o.outFile, 'utf8')) as PeerResult[] };
}
