// A fresh engine on a fresh SQLite file, with a manual clock and no background loop:
// tests call worker.drain() to run what is queued.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig, type RawConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { parseDefinitionText } from '../../src/definitions/validate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface TestEngine extends Engine {
  clock: ManualClock;
  path: string;
}

export async function sqliteEngine(raw: RawConfig = {}, path?: string, random?: () => number): Promise<TestEngine> {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'switchyard-')), 'test.db');
  const clock = new ManualClock();
  const engine = createEngine({ store: new SqliteStore({ path: file }), config: resolveConfig(raw, process.env), clock, runWorker: false, random });
  await engine.start();
  return Object.assign(engine, { clock, path: file });
}

export function exampleDefinitions(dir = 'examples'): unknown[] {
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()
    .map((f) => parseDefinitionText(readFileSync(join(dir, f), 'utf8'), f));
}

export const USER = { kind: 'user', id: 'alice' } as const;
