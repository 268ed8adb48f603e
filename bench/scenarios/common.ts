// What the scenarios share: the benchmark workflows, fresh stores (a SQLite file in a temp dir, a
// PostgreSQL schema), engines on them, and worker processes started with the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { resolveConfig, type RawConfig } from '../../src/config.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import { createEngine, type Engine } from '../../src/engine.js';
import type { Store } from '../../src/store/port.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { SqliteDriverName } from '../../src/store/sqlite/driver.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { peakRssOf, sleep, waitFor } from '../lib.js';

export const TENANT = 'default';
export const PG_URL = process.env.SWITCHYARD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export type Backend = 'sqlite' | 'postgres';

/**
 * Scenario 1's workflow: on a new deal, two conditions (both true for the bench's deals) and one
 * record.update step, which writes the record, its change (the audit row) and the step checkpoint.
 */
export function throughputWorkflow(id = 'bench-flag-big-deals', field = 'priority'): WorkflowDefinition {
  return {
    id,
    name: 'Flag big new deals (bench)',
    object: 'deal',
    trigger: { on: 'created' },
    conditions: ['record.amount > 50000', 'record.stage == "Negotiation"'],
    actions: [{ id: 'flag', type: 'record.update', set: { [field]: '"high"' } }],
  };
}

/** A new deal that scenario 1's conditions accept. */
export function bigDeal(i: number): Record<string, string | number> {
  return { name: `Deal ${i}`, amount: 60_000 + (i % 1000), stage: 'Negotiation', owner_team: 'Enterprise Sales' };
}

export interface BenchStore {
  store: Store;
  /** A location the CLI opens (`--store`). */
  location: string;
  cleanup(): Promise<void>;
}

/** The SQLite driver of this run's stores (bench/child.ts sets it from --sqlite-drivers); undefined: the store's default. */
export const benchSqlite: { driver?: SqliteDriverName } = {};

const freshName = (prefix: string): string => `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** A fresh SQLite file in a fresh temp dir, or a fresh PostgreSQL schema; cleanup removes it. */
export async function freshStore(backend: Backend, poolSize?: number): Promise<BenchStore> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
    const path = join(dir, 'bench.db');
    const store = new SqliteStore({ path, driver: benchSqlite.driver });
    return { store, location: path, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = freshName('sy_bench');
  const store = new PostgresStore({ url: PG_URL, schema, poolSize, applicationName: 'switchyard-bench' });
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return { store, location: url.toString(), cleanup: () => dropSchema(schema) };
}

export async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await withPg((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Worker settings for the engines and CLI workers of a run (the engine's defaults unless flags say). */
export interface WorkerFlags { concurrency?: number; batchSize?: number; batchCommit?: boolean }

export function rawConfig(worker: WorkerFlags): RawConfig {
  return { worker: { ...worker, poll: '1s' } };
}

/** An engine on a fresh store, started (migrated), with the given workflows deployed. */
export async function benchEngine(bs: BenchStore, options: { worker: WorkerFlags; runWorker: boolean; workflows: WorkflowDefinition[] }): Promise<Engine> {
  const engine = createEngine({ store: bs.store, config: resolveConfig(rawConfig(options.worker)), runWorker: false });
  await engine.start();
  for (const wf of options.workflows) await engine.workflows.deploy(TENANT, wf);
  if (options.runWorker) engine.worker.start();
  return engine;
}

export async function stopEngine(engine: Engine, bs: BenchStore): Promise<void> {
  await engine.stop();
  await bs.store.close();
  await bs.cleanup();
}

const FINAL = ['succeeded', 'skipped', 'failed', 'cancelled'] as const;

/** Executions that reached a final status, and how many succeeded. */
export async function finalCounts(store: Store): Promise<{ final: number; succeeded: number }> {
  const counts = await store.countExecutionsByStatus();
  return { final: FINAL.reduce((n, s) => n + (counts[s] ?? 0), 0), succeeded: counts.succeeded ?? 0 };
}

/** CLI worker processes (`switchyard worker`) on a store, as an operator would run them. */
export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-cfg-'));

  async start(count: number, location: string, worker: WorkerFlags): Promise<void> {
    const configFile = join(this.dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(rawConfig(worker)));
    const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', main, '--store', location, '--config', configFile, 'worker'], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWITCHYARD_STORE: undefined, SWITCHYARD_CONFIG: undefined },
      });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[worker ${i}] ${d.toString()}`));
      this.children.push(child);
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`worker ${i} exited with ${child.exitCode}: ${out}`);
        return out.includes('running on');
      }, `worker ${i} to start`, 60_000, 50);
    }
  }

  /** Peak RSS (MiB) of each worker process so far. */
  peakRss(): (number | null)[] {
    return this.children.map((c) => (c.pid === undefined ? null : peakRssOf(c.pid)));
  }

  async stop(): Promise<void> {
    const exits = this.children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()))));
    for (const c of this.children) c.kill('SIGTERM');
    const timeout = sleep(20_000).then(() => this.children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
    await Promise.race([Promise.all(exits), timeout]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
