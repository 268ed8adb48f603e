// Scenario 5: condition ordering. The engine has no lookup conditions yet (DESIGN.md plans them),
// so an expensive lookup cannot run through the runner. Instead this drives the engine's own
// ConditionStats exactly as ExecutionRunner.checkConditions does (order, evaluate until the first
// false, record the time and result) over a compiled workflow whose first condition, as written,
// stands for a 200 ms lookup: its real CEL evaluation is timed and a synthetic cost is added
// (not slept, so the scenario takes seconds). The second is a cheap field check, really timed.
import { performance } from 'node:perf_hooks';
import { ConditionStats } from '../../src/conditions/ordering.js';
import { compileWorkflow, type CompiledCondition } from '../../src/definitions/compile.js';
import type { CelContext } from '../../src/conditions/cel.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';
import type { RecordData } from '../../src/domain/types.js';
import { round } from '../lib.js';

export interface ConditionsOptions {
  executions: number;
  /** The simulated lookup's cost in ms. */
  lookupMs: number;
  /** How often the cheap field check is false (it then decides alone, if it runs first). */
  cheapFalse: number;
  /** How often the lookup is false. */
  lookupFalse: number;
  seed: number;
}

export interface ConditionsResult {
  executions: number;
  lookupMs: number;
  cheapFalse: number;
  lookupFalse: number;
  /** Mean evaluation time per execution with the engine's ordering. */
  value: number;
  /** The same conditions always evaluated in written (expensive-first) order. */
  writtenMs: number;
  /** writtenMs / value. */
  speedup: number;
  /** Executions (from the first) that ran the lookup first before the ordering switched. */
  lookupFirst: number;
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

export async function conditions(o: ConditionsOptions): Promise<ConditionsResult> {
  const wf = compileWorkflow({
    id: 'bench-ordering', name: 'Lookup first, as written', object: 'deal', trigger: { on: 'created' },
    conditions: [
      { name: 'customer score lookup (simulated)', expr: 'record.probability > 0.5' },
      { name: 'cheap field check', expr: 'record.stage == "Negotiation"' },
    ],
    actions: [{ id: 'flag', type: 'record.update', set: { priority: '"high"' } }],
  }, resolveObjectTypes({}), { tenant: 'bench', version: 1 });
  const extraMs = (c: CompiledCondition): number => (c.index === 0 ? o.lookupMs : 0);
  const random = prng(o.seed);
  const records: RecordData[] = Array.from({ length: o.executions }, () => ({
    probability: random() < o.lookupFalse ? 0.1 : 0.9,
    stage: random() < o.cheapFalse ? 'Prospecting' : 'Negotiation',
  }));
  const context = (record: RecordData): CelContext => ({ record: { ...record, id: 'd' }, previous: {}, changed: [], now: Date.now() });

  /** Evaluates until the first false, as the runner does; returns the (partly simulated) time spent. */
  const evaluate = (ordered: CompiledCondition[], record: RecordData, stats?: ConditionStats): number => {
    let spent = 0;
    for (const condition of ordered) {
      const started = performance.now();
      const result = condition.program.evaluate(context(record)) === true;
      const ms = performance.now() - started + extraMs(condition);
      spent += ms;
      stats?.record(`bench#${condition.index}`, ms, result);
      if (!result) break;
    }
    return spent;
  };

  const stats = new ConditionStats();
  let engineTotal = 0;
  let writtenTotal = 0;
  let lookupFirst = 0;
  for (const record of records) {
    const ordered = stats.order(wf.conditions, (c) => `bench#${c.index}`);
    if (ordered[0]?.index === 0) lookupFirst++;
    engineTotal += evaluate(ordered, record, stats);
    writtenTotal += evaluate(wf.conditions, record);
  }
  const value = engineTotal / o.executions;
  const writtenMs = writtenTotal / o.executions;
  return {
    executions: o.executions, lookupMs: o.lookupMs, cheapFalse: o.cheapFalse, lookupFalse: o.lookupFalse,
    value: round(value, 2), writtenMs: round(writtenMs, 2), speedup: round(writtenMs / value, 2), lookupFirst,
  };
}
