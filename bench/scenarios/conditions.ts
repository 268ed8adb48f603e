// Scenario 5: condition ordering with a real lookup. An embedded engine (SQLite, worker in process)
// runs a workflow whose conditions, as written, are a lookup first and a cheap field check second;
// the lookup goes through the whole lookup path (connector layer: effect ledger, breaker, rate
// limit, SSRF guard, timeout; the answer checkpointed) to a loopback HTTP service that answers
// after `lookupMs`. The cheap check is false for `cheapFalse` of the deals, the lookup's `when`
// for `lookupFalse`. The written order is measured the same way with a second workflow
// whose one lookup condition does both checks (`result.score > 8 && record.stage == ...`): that is
// exactly what evaluating the written order costs (the lookup always, the field check after it).
// Both workflows run in the same engine at the same time, on the same deals.
// Evaluation time is what the engine itself measures per condition (the totals it persists in
// condition_stats, read after stop), so the figure is the mean over every execution, the first
// ones (run before anything was measured, lookup first) included.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConfig } from '../../src/config.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import { createEngine } from '../../src/engine.js';
import { round } from '../lib.js';
import { freshStore, rawConfig, TENANT, type WorkerFlags } from './common.js';

export interface ConditionsOptions {
  executions: number;
  /** How long the scoring service takes to answer, in ms. */
  lookupMs: number;
  /** How often the cheap field check is false (it then decides alone, if it runs first). */
  cheapFalse: number;
  /** How often the lookup's `when` is false. */
  lookupFalse: number;
  /** Worker flags (--worker-concurrency, --worker-batch); the engine's defaults otherwise. */
  worker?: WorkerFlags;
  seed: number;
}

export interface ConditionsResult {
  executions: number;
  lookupMs: number;
  cheapFalse: number;
  lookupFalse: number;
  /** Mean evaluation time per execution with the engine's ordering. */
  value: number;
  /** The same checks in written (lookup-first) order. */
  writtenMs: number;
  /** value / writtenMs. */
  ratio: number;
  /** Calls the scoring service got: engine order, written order. */
  lookupCalls: number;
  writtenLookupCalls: number;
}

/** A small deterministic PRNG (mulberry32), so runs differ by seed and repeat exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHEAP = 'record.stage == "Negotiation"';
const LOOKUP = { lookup: 'customer_score', connector: 'scoring', request: { path: '"/scores/" + record.account_id' }, when: 'result.score > 8' };

const workflow = (id: string, conditions: NonNullable<WorkflowDefinition['conditions']>): WorkflowDefinition => ({
  id, name: 'Score gate (bench)', object: 'deal', trigger: { on: 'created' }, conditions,
  actions: [{ id: 'flag', type: 'record.update', set: { priority: '"high"' } }],
});

export async function conditions(o: ConditionsOptions): Promise<ConditionsResult> {
  const random = prng(o.seed);
  const deals = Array.from({ length: o.executions }, (_, i) => ({
    name: `Deal ${i}`, account_id: random() < o.lookupFalse ? `low-${i}` : `acct-${i}`, stage: random() < o.cheapFalse ? 'Prospecting' : 'Negotiation',
  }));
  const service = await scoringService(o.lookupMs);
  try {
    // Both orders in one engine at once, each deal triggering both workflows: they share the same
    // load (CPU, the store, the service), so the ratio does not move with what else the machine does.
    const written = { ...LOOKUP, request: { path: '"/written/" + record.account_id' }, when: `${LOOKUP.when} && ${CHEAP}` };
    const [engineOrder, writtenOrder] = await measure([workflow('bench-ordering', [LOOKUP, CHEAP]), workflow('bench-written-order', [written])], deals, service, o.worker ?? {});
    if (!engineOrder || !writtenOrder) throw new Error('scenario 5: a workflow was not measured');
    return {
      executions: o.executions, lookupMs: o.lookupMs, cheapFalse: o.cheapFalse, lookupFalse: o.lookupFalse,
      value: round(engineOrder.meanMs, 2), writtenMs: round(writtenOrder.meanMs, 2), ratio: round(engineOrder.meanMs / writtenOrder.meanMs, 2),
      lookupCalls: service.calls.scores, writtenLookupCalls: service.calls.written,
    };
  } finally {
    await new Promise((resolve) => service.server.close(resolve));
  }
}

interface ScoringService { server: Server; port: number; calls: { scores: number; written: number } }

/** Answers { score } after `delayMs`: 3 for a "low-" account, else 9; counts calls per path prefix. */
async function scoringService(delayMs: number): Promise<ScoringService> {
  const state = { calls: { scores: 0, written: 0 } } as ScoringService;
  state.server = createServer((req, res) => {
    if (req.url?.startsWith('/written/')) state.calls.written++;
    else state.calls.scores++;
    req.resume();
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ score: req.url?.includes('/low-') ? 3 : 9 }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

/** Runs every deal's executions of `workflows` on a fresh embedded engine; mean evaluation time per workflow from the persisted totals. */
async function measure(workflows: WorkflowDefinition[], deals: Record<string, string>[], service: ScoringService, worker: WorkerFlags): Promise<{ meanMs: number }[]> {
  const bs = await freshStore('sqlite');
  const config = resolveConfig({
    ...rawConfig(worker),
    connectors: { [TENANT]: [{ name: 'scoring', type: 'http', settings: { baseUrl: `http://127.0.0.1:${service.port}` } }] },
    outbound: { allow: [`127.0.0.1:${service.port}`] },
  });
  // The worker starts once every deal is written: the figure is evaluation, not evaluation behind a write load.
  const engine = createEngine({ store: bs.store, config, runWorker: false });
  const expected = deals.length * workflows.length;
  let finished = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { allDone = resolve; });
  engine.events.on('execution:finished', (_exec, status) => {
    if (status !== 'queued' && ++finished === expected) allDone();
  });
  try {
    await engine.start();
    for (const wf of workflows) await engine.workflows.deploy(TENANT, wf);
    for (const [i, deal] of deals.entries()) await engine.records.create(TENANT, 'deal', deal, { kind: 'user', id: 'bench' }, `d${i}`);
    engine.worker.start();
    await done;
    await engine.stop(); // flushes the measured totals to condition_stats
    const means: { meanMs: number }[] = [];
    for (const wf of workflows) {
      const rows = await bs.store.listConditionStats(TENANT, wf.id);
      means.push({ meanMs: rows.reduce((sum, r) => sum + r.totalMs, 0) / deals.length });
    }
    return means;
  } finally {
    await engine.stop();
    await bs.store.close();
    await bs.cleanup();
  }
}
