// switchyard worker: a process that only runs executions; switchyard migrate: apply migrations.
import { print, withEngine, type GlobalOptions } from '../context.js';

export async function worker(options: GlobalOptions): Promise<void> {
  await withEngine(options, async (engine) => {
    engine.events.on('worker:error', (error) => process.stderr.write(`worker error: ${error instanceof Error ? error.message : String(error)}\n`));
    process.stdout.write(`switchyard worker ${engine.worker.id} running on ${engine.store.backend} (concurrency ${engine.config.worker.concurrency})\n`);
    if (!engine.store.capabilities.multiProcess) {
      // Correct (SQLite locks the file), but this process is not woken by writes made elsewhere: it polls.
      process.stderr.write('note: the embedded store is meant for one process; `switchyard serve` already runs a worker. Use PostgreSQL to scale out.\n');
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stdout.write('stopping: finishing running steps\n');
  }, true);
}

export async function migrate(options: GlobalOptions): Promise<void> {
  // withEngine migrates on start; there is nothing else to do.
  await withEngine(options, async (engine, _tenant, opened) => {
    print(options, { migrated: true, store: engine.store.backend, created: opened.created ?? null },
      () => `${opened.created ? `created a new store at ${opened.created}\n` : ''}migrations applied (${engine.store.backend})`);
  }, { createStore: true });
}
