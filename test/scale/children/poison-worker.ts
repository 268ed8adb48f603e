// A worker process for test/scale/poison-pill.test.ts: `node --import tsx poison-worker.ts <db file>`.
// It runs the engine's worker loop on the SQLite file and dies (process.exit, like a heap
// exhaustion would) as soon as it starts the execution of the record named by SWITCHYARD_POISON_RECORD.
// That variable is read here only, never in src/. It exits 0 once nothing is queued or running.
import { resolveConfig } from '../../../src/config.js';
import { createEngine } from '../../../src/engine.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const [path] = process.argv.slice(2);
const poison = process.env.SWITCHYARD_POISON_RECORD;
if (!path || !poison) {
  process.stderr.write('usage: SWITCHYARD_POISON_RECORD=<record id> poison-worker.ts <db file>\n');
  process.exit(2);
}
const store = new SqliteStore({ path });
const engine = createEngine({
  store,
  config: resolveConfig({ worker: { lease: '300ms', sweep: '50ms', poll: '20ms' } }),
});
engine.events.on('execution:claimed', (exec) => {
  if (exec.recordId === poison) process.exit(70); // the poison pill takes the whole process down
});
await engine.start();
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const counts = await store.countExecutionsByStatus('default');
  if (!counts.queued && !counts.running) break;
}
await engine.stop();
await store.close();
process.exit(0);
