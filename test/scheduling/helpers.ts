// Engines for time-trigger tests: a manual clock, no background loops; tests move the clock and
// call scheduler.tick() and worker.drain(), as the loops would. On SQLite always, on PostgreSQL
// when SWITCHYARD_TEST_DATABASE_URL is set (skipped loudly otherwise).
import { describe } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine.js';
import type { Store } from '../../src/store/port.js';
import { describePostgres, makePostgresStore, makeSqliteStore } from '../helpers/stores.js';

export interface TimeEngine extends Engine {
  clock: ManualClock;
}

export type MakeTimeEngine = (options?: { start?: string; chunk?: number }) => Promise<TimeEngine>;

export async function timeEngine(store: Store, options: { start?: string; chunk?: number } = {}): Promise<TimeEngine> {
  const clock = new ManualClock(Date.parse(options.start ?? '2026-01-01T00:00:00Z'));
  const engine = createEngine({ store, config: resolveConfig({}), clock, runWorker: false, scheduler: options.chunk ? { chunk: options.chunk } : undefined });
  await engine.start();
  return Object.assign(engine, { clock });
}

export async function forEachTimeStore(name: string, suite: (make: MakeTimeEngine, backend: 'sqlite' | 'postgres') => void): Promise<void> {
  describe(`${name} [sqlite]`, () => suite(async (o) => timeEngine(await makeSqliteStore(), o), 'sqlite'));
  await describePostgres(`${name} [postgres]`, () => suite(async (o) => timeEngine(await makePostgresStore(), o), 'postgres'));
}

/** Runs the engine up to `until` the way its loops would: jump to each due time, fire, run. */
export async function runUntil(engine: TimeEngine, until: number): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    await engine.scheduler.tick();
    await engine.worker.drain();
    const next = await engine.store.timers.nextDue();
    if (next === undefined || next > until) break;
    engine.clock.set(Math.max(next, engine.clock.now()));
  }
  engine.clock.set(until);
  await engine.scheduler.tick();
  await engine.worker.drain();
}

export function scheduleWorkflow(id: string, trigger: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, name: `${id} on a schedule`, object: 'task', trigger: { on: 'schedule', ...trigger },
    actions: [{ id: 'note', type: 'record.create', object: 'task', set: { subject: '"scheduled"' } }],
    ...extra,
  };
}
