// A fresh engine on a fresh SQLite file, with a manual clock and no background loop:
// tests call worker.drain() to run what is queued.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig, type RawConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import type { Store } from '../../src/store/port.js';
import { describe } from 'vitest';
import { describePostgres, makePostgresStore } from './stores.js';
import { parseDefinitionText } from '../../src/definitions/validate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface TestEngine extends Engine {
  clock: ManualClock;
  path: string;
}

export async function sqliteEngine(raw: RawConfig = {}, path?: string, random?: () => number): Promise<TestEngine> {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'switchyard-')), 'test.db');
  return engineOn(new SqliteStore({ path: file }), raw, random, file);
}

/** A test engine on any store: manual clock, no background worker loop. */
export async function engineOn(store: Store, raw: RawConfig = {}, random?: () => number, path = ''): Promise<TestEngine> {
  const clock = new ManualClock();
  const engine = createEngine({ store, config: resolveConfig(raw, process.env), clock, runWorker: false, random });
  await engine.start();
  return Object.assign(engine, { clock, path });
}

/** Stops the engine and closes its store; closing twice is harmless. */
export async function closeEngine(engine: Engine | undefined): Promise<void> {
  if (!engine) return;
  await engine.stop();
  await engine.store.close().catch(() => undefined);
}

export type MakeEngine = (raw?: RawConfig, random?: () => number) => Promise<TestEngine>;
/** Another engine (another "process") on the same store as `first`. */
export type ReopenEngine = (first: TestEngine, raw?: RawConfig) => Promise<TestEngine>;

/**
 * Registers a suite once per store: on SQLite always, on PostgreSQL when
 * SWITCHYARD_TEST_DATABASE_URL is set (skipped loudly otherwise).
 */
export async function forEachStore(name: string, suite: (make: MakeEngine, backend: 'sqlite' | 'postgres', reopen: ReopenEngine) => void): Promise<void> {
  describe(`${name} [sqlite]`, () => suite((raw, random) => sqliteEngine(raw, undefined, random), 'sqlite', (first, raw) => sqliteEngine(raw, first.path)));
  const onPostgres = async (raw?: RawConfig, random?: () => number): Promise<TestEngine> => engineOn(await makePostgresStore(), raw, random);
  await describePostgres(`${name} [postgres]`, () => suite(onPostgres, 'postgres', (_first, raw) => onPostgres(raw)));
}

export function exampleDefinitions(dir = 'examples'): unknown[] {
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()
    .map((f) => parseDefinitionText(readFileSync(join(dir, f), 'utf8'), f));
}

export const USER = { kind: 'user', id: 'alice' } as const;
