// The flags of `npm run bench` and the list of measured runs they make. Defaults follow issue 6;
// README.md says where a default is smaller and why.
import { parseArgs } from 'node:util';
import type { ScenarioName } from './child.js';
import type { Backend, WorkerFlags } from './scenarios/common.js';
import type { SqliteDriverName } from '../src/store/sqlite/driver.js';
import { SQLITE_DRIVERS } from '../src/store/sqlite/open-sqlite.js';

export const USAGE = `npm run bench -- [options]
  --only LIST            scenarios to run (default all): throughput,executor,write-latency,write-history,dispatch,memory,conditions,claim,peers
  --backends LIST        sqlite,postgres (default both)
  --sqlite-drivers LIST  run every SQLite scenario once per driver (known: node; default: the store's default)
  --runs N               runs per figure (default 3; each figure is the median with min and max)
  --changes N            scenario 1 changes, embedded (default 20000)
  --pg-changes N         scenario 1 changes, PostgreSQL (default 5000: 9 runs of 20000 would take ~10 min here)
  --pg-workers LIST      worker processes for scenario 1 on PostgreSQL (default 1,2,4)
  --write-workflows LIST matching workflows for scenario 2 (default 0,10,50)
  --write-rate N         scenario 2 writes/s (default 20), --write-seconds S (default 10)
  --write-history N      write-history: executions already queued on the one record its 50 workflows match (default 50000)
  --dispatch-rate N      scenario 3 changes/s (default 200), --dispatch-seconds S (default 10)
  --memory-minutes M     scenario 4 steady-load length (default 2; RSS at 1 min vs at M min)
  --memory-long          the issue's 5-minute memory run (same as --memory-minutes 5)
  --memory-rate N        scenario 4 changes/s (default 200)
  --lookup-ms N          scenario 5: how long the loopback scoring service takes to answer (default 200)
  --lookup-executions N  scenario 5: executions per order measured (default 1000, quick 300)
  --claim-backlog N      claim micro-scenario backlog (default 100000)
  --peer-jobs N          peer throughput jobs (default 20000)
  --load-chunk N         writes per transaction in scenario 1's bulk figures (default 200)
  --worker-concurrency N, --worker-batch N   engine worker settings (default: the engine's, 64 and 64)
  --idle-wait S          before each run wait up to S s for the CPUs to be >= 85 % idle (default 2; 0: don't)
  --profile              run each measured process with --cpu-prof (profiles in bench/results/profiles)
  --quick                a smoke run: 1 run each, small sizes
  --out FILE             JSON results (default bench/results/latest.json)
  --no-results-md        do not rewrite the generated part of bench/RESULTS.md`;

export interface Flags {
  only: Set<string>;
  backends: Backend[];
  /** SQLite drivers to run each SQLite scenario with; empty: the store's default only. */
  sqliteDrivers: SqliteDriverName[];
  runs: number;
  changes: number;
  pgChanges: number;
  pgWorkers: number[];
  writeWorkflows: number[];
  writeRate: number;
  writeSeconds: number;
  writeHistory: number;
  dispatchRate: number;
  dispatchSeconds: number;
  memoryMinutes: number;
  memoryLong: boolean;
  memoryRate: number;
  lookupMs: number;
  lookupExecutions: number;
  claimBacklog: number;
  peerJobs: number;
  /** Writes per transaction in scenario 1's bulk figures. */
  loadChunk: number;
  worker: WorkerFlags;
  idleWait: number;
  profile: boolean;
  quick: boolean;
  out: string;
  resultsMd: boolean;
  argv: string[];
}

const ALL = ['throughput', 'executor', 'write-latency', 'write-history', 'dispatch', 'memory', 'conditions', 'claim', 'peers'];

export function parseFlags(argv: string[]): Flags | 'help' {
  const options = Object.fromEntries<{ type: 'string' | 'boolean' }>([
      ...['only', 'backends', 'sqlite-drivers', 'runs', 'changes', 'pg-changes', 'pg-workers', 'write-workflows', 'write-rate', 'write-seconds', 'write-history', 'dispatch-rate',
        'dispatch-seconds', 'memory-minutes', 'memory-rate', 'lookup-ms', 'lookup-executions', 'claim-backlog', 'peer-jobs', 'load-chunk', 'worker-concurrency', 'worker-batch',
        'idle-wait', 'out'].map((k): [string, { type: 'string' }] => [k, { type: 'string' }]),
      ...['profile', 'quick', 'memory-long', 'no-results-md', 'help'].map((k): [string, { type: 'boolean' }] => [k, { type: 'boolean' }]),
  ]);
  const v = parseArgs({ args: argv, options }).values as Record<string, string | boolean | undefined>;
  if (v.help) return 'help';
  const quick = v.quick === true;
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const int = (k: string, normal: number, small = normal): number => {
    const raw = str(k);
    const n = raw === undefined ? (quick ? small : normal) : Number(raw);
    if (!(Number.isFinite(n) && n >= 0)) throw new Error(`--${k} must be a number, not "${raw}"`);
    return n;
  };
  const list = (k: string, normal: string): string[] => (str(k) ?? normal).split(',').map((s) => s.trim()).filter(Boolean);
  const only = new Set(list('only', ALL.join(',')));
  for (const s of only) if (!ALL.includes(s)) throw new Error(`--only: unknown scenario "${s}" (known: ${ALL.join(', ')})`);
  const backends = list('backends', 'sqlite,postgres') as Backend[];
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backends: unknown backend "${String(b)}"`);
  const sqliteDrivers = list('sqlite-drivers', '') as SqliteDriverName[];
  for (const d of sqliteDrivers) if (!SQLITE_DRIVERS.includes(d)) throw new Error(`--sqlite-drivers: unknown driver "${String(d)}" (known: ${SQLITE_DRIVERS.join(', ')})`);
  const worker: WorkerFlags = {};
  if (str('worker-concurrency')) worker.concurrency = int('worker-concurrency', 64);
  if (str('worker-batch')) worker.batchSize = int('worker-batch', 64);
  return {
    only, backends, sqliteDrivers, quick,
    runs: int('runs', 3, 1),
    changes: int('changes', 20_000, 3000),
    pgChanges: int('pg-changes', 5000, 2000),
    pgWorkers: list('pg-workers', quick ? '1,2' : '1,2,4').map(Number),
    writeWorkflows: list('write-workflows', '0,10,50').map(Number),
    writeRate: int('write-rate', 20),
    writeSeconds: int('write-seconds', 10, 5),
    writeHistory: int('write-history', 50_000, 10_000),
    dispatchRate: int('dispatch-rate', 200),
    dispatchSeconds: int('dispatch-seconds', 10, 5),
    memoryMinutes: v['memory-long'] === true ? 5 : int('memory-minutes', 2, 2),
    memoryLong: v['memory-long'] === true,
    memoryRate: int('memory-rate', 200),
    lookupMs: int('lookup-ms', 200),
    lookupExecutions: int('lookup-executions', 1000, 300),
    claimBacklog: int('claim-backlog', 100_000, 20_000),
    peerJobs: int('peer-jobs', 20_000, 5000),
    loadChunk: Math.max(2, int('load-chunk', 200)),
    worker,
    idleWait: int('idle-wait', 2, 0),
    profile: v.profile === true,
    out: str('out') ?? 'bench/results/latest.json',
    resultsMd: v['no-results-md'] !== true,
    argv,
  };
}

/** One figure: a scenario run `runs` times with the same options. */
export interface Job {
  id: string;
  scenario: ScenarioName;
  options: Record<string, unknown>;
  runs: number;
}

export function plan(f: Flags): Job[] {
  const jobs: Job[] = [];
  const add = (id: string, scenario: ScenarioName, options: Record<string, unknown>, runs = f.runs): void => {
    if (!f.only.has(scenario)) return;
    // With --sqlite-drivers, a SQLite job runs once per driver, one after the other in this run.
    if (options.backend !== 'sqlite' || f.sqliteDrivers.length === 0) jobs.push({ id, scenario, options, runs });
    else for (const driver of f.sqliteDrivers) jobs.push({ id: `${id}@${driver}`, scenario, options: { ...options, sqliteDriver: driver }, runs });
  };
  const sqlite = f.backends.includes('sqlite');
  const postgres = f.backends.includes('postgres');
  // Each end-to-end figure twice: one write per transaction (as the API writes), and writes in
  // transactions of f.loadChunk (as an import does, and as the peers add their jobs in bulk).
  for (const chunk of [1, f.loadChunk]) {
    const tag = chunk > 1 ? '/bulk' : '';
    const load = { chunk, inFlight: chunk > 1 ? 2 : 16 };
    if (sqlite) add(`throughput/sqlite${tag}`, 'throughput', { backend: 'sqlite', workers: 0, changes: f.changes, ...load, worker: f.worker });
    if (postgres) {
      for (const w of f.pgWorkers) {
        add(`throughput/postgres/${w}w${tag}`, 'throughput', { backend: 'postgres', workers: w, changes: f.pgChanges, ...load, worker: f.worker });
      }
    }
  }
  // The executor alone, one by one (as before batched commits) and batched, in the same run.
  for (const backend of f.backends) {
    for (const batchCommit of [false, true]) {
      add(`executor/${backend}/${batchCommit ? 'batched' : 'one-by-one'}`, 'executor', { backend, changes: backend === 'sqlite' ? f.changes : f.pgChanges, batchCommit, worker: f.worker });
    }
  }
  for (const backend of f.backends) {
    for (const n of f.writeWorkflows) {
      add(`write-latency/${backend}/${n}wf`, 'write-latency', { backend, workflows: n, rate: f.writeRate, seconds: f.writeSeconds, worker: f.worker });
    }
  }
  for (const backend of f.backends) {
    add(`write-history/${backend}`, 'write-history', { backend, workflows: 50, history: f.writeHistory, rate: f.writeRate, seconds: f.writeSeconds, worker: f.worker });
  }
  for (const backend of f.backends) add(`dispatch/${backend}`, 'dispatch', { backend, rate: f.dispatchRate, seconds: f.dispatchSeconds, worker: f.worker });
  // One long run: five minutes three times over would be most of the bench's time.
  if (sqlite) add('memory/sqlite', 'memory', { backend: 'sqlite', rate: f.memoryRate, minutes: f.memoryMinutes, worker: f.worker }, 1);
  add('conditions', 'conditions', { executions: f.lookupExecutions, lookupMs: f.lookupMs, cheapFalse: 0.5, lookupFalse: 0.1, worker: f.worker });
  if (postgres) {
    for (const shape of ['lanes', 'one-lane']) add(`claim/${shape}`, 'claim', { shape, backlog: f.claimBacklog, claims: 20, limit: 50 });
  }
  return jobs;
}
