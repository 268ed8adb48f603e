// A worker process for test/scale/batch-kill.test.ts: `node --import tsx batch-kill-worker.ts <store>`.
// It runs the engine's worker on the store and SIGKILLs itself inside the first batch transaction
// that commits several executions at once: after the batch's steps and finishes were sent
// (StoreTx.completeSteps returned), before COMMIT. Nothing in src/ knows about this; the store is
// wrapped here. It prints "killing <n>" (the batch size) on stderr first.
import { resolveConfig } from '../../../src/config.js';
import { createEngine } from '../../../src/engine.js';
import { openStore } from '../../../src/store/open.js';
import type { Store, StoreTx } from '../../../src/store/port.js';

const [location] = process.argv.slice(2);
if (!location) {
  process.stderr.write('usage: batch-kill-worker.ts <store location>\n');
  process.exit(2);
}
const store: Store = await openStore(location);
const transaction = store.transaction.bind(store);
store.transaction = (fn, options) => transaction((tx) => fn(new Proxy(tx, {
  get(target, name, receiver) {
    const value: unknown = Reflect.get(target, name, receiver);
    if (name !== 'completeSteps' || typeof value !== 'function') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    return async (items: Parameters<StoreTx['completeSteps']>[0]) => {
      const done = await (value as StoreTx['completeSteps']).call(target, items);
      if (done.length > 1) {
        process.stderr.write(`killing ${done.length}\n`);
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined); // never resumes: the signal ends the process
      }
      return done;
    };
  },
})), options);

const engine = createEngine({ store, config: resolveConfig({ worker: { lease: '1s', sweep: '200ms', poll: '20ms' } }) });
await engine.start();
setTimeout(() => {
  process.stderr.write('no batch of several executions within 60 s\n');
  process.exit(3);
}, 60_000);
