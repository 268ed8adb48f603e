// One measured run in a fresh process (no JIT state, heap or RSS carried over from other runs):
// `node --import tsx bench/child.ts <scenario> '<options as JSON>'`. The result goes back over IPC.
import { claim, type ClaimOptions } from './scenarios/claim.js';
import { conditions, type ConditionsOptions } from './scenarios/conditions.js';
import { dispatch, type DispatchOptions } from './scenarios/dispatch.js';
import { executor, type ExecutorOptions } from './scenarios/executor.js';
import { memory, type MemoryOptions } from './scenarios/memory.js';
import { throughput, type ThroughputOptions } from './scenarios/throughput.js';
import { writeHistory, type WriteHistoryOptions } from './scenarios/write-history.js';
import { writeLatency, type WriteLatencyOptions } from './scenarios/write-latency.js';
import { benchSqlite } from './scenarios/common.js';
import type { SqliteDriverName } from '../src/store/sqlite/driver.js';

const scenarios = {
  throughput: (o: unknown) => throughput(o as ThroughputOptions),
  executor: (o: unknown) => executor(o as ExecutorOptions),
  'write-latency': (o: unknown) => writeLatency(o as WriteLatencyOptions),
  'write-history': (o: unknown) => writeHistory(o as WriteHistoryOptions),
  dispatch: (o: unknown) => dispatch(o as DispatchOptions),
  memory: (o: unknown) => memory(o as MemoryOptions),
  conditions: (o: unknown) => conditions(o as ConditionsOptions),
  claim: (o: unknown) => claim(o as ClaimOptions),
};
export type ScenarioName = keyof typeof scenarios;

const [name, json] = process.argv.slice(2);
const run = scenarios[name as ScenarioName];
if (!run || !process.send) {
  process.stderr.write(`usage (from bench/run.ts): child.ts <${Object.keys(scenarios).join('|')}> '<options>'\n`);
  process.exit(2);
}
try {
  const options = JSON.parse(json ?? '{}') as { sqliteDriver?: SqliteDriverName };
  benchSqlite.driver = options.sqliteDriver;
  const result = await run(options);
  process.send({ ok: true, result }, () => process.exit(0));
} catch (error) {
  process.send({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1));
}
