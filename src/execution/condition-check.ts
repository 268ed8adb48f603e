// Conditions on the record as it is now, cheapest first by measured cost and selectivity; the first
// false one decides. Shared by the one-at-a-time runner and the batch runner. Lookups (outside
// calls) are ranked with the CEL checks by the same measure; only the runner performs them (the
// batch runner hands a workflow with lookups on), through a LookupPerformer it passes in.
import { performance } from 'node:perf_hooks';
import type { CelContext } from '../conditions/cel.js';
import type { ConditionStats } from '../conditions/ordering.js';
import { ExpressionBudgetError } from '../conditions/expression-errors.js';
import type { CompiledCondition, CompiledLookup, CompiledWorkflow } from '../definitions/compile.js';
import type { Json } from '../domain/types.js';
import { conditionStatsKey } from './condition-stats.js';

export type ConditionOutcome =
  | { pass: true }
  /** A condition is false, or could not be evaluated on this record: the execution is skipped. */
  | { pass: false; reason: string }
  /** A condition is over its budget, or a lookup failed for good: the execution is dead-lettered. */
  | { pass: false; reason: string; failure: { stepId: string; code: string } }
  /** A lookup failed and is retried at `retryAt` (its attempt is recorded). */
  | { pass: false; reason: string; retryAt: number };

/** A lookup's answer (`result`: the response body), or what its failure means for the execution. */
export type LookupAnswer =
  | { ok: true; result: Json; /** Read from the execution's checkpoint: no call was made. */ cached: boolean }
  | { ok: false; outcome: Exclude<ConditionOutcome, { pass: true }> };

export type LookupPerformer = (condition: CompiledCondition, lookup: CompiledLookup) => Promise<LookupAnswer>;

/** CEL checks only: the batch runner's (a workflow with lookups never reaches it). */
export function checkConditions(wf: CompiledWorkflow, cel: CelContext, stats: ConditionStats): ConditionOutcome {
  for (const condition of stats.order(wf.conditions, (c) => conditionStatsKey(wf, c))) {
    if (condition.lookup) throw new Error(`condition ${condition.index} is a lookup: only the runner performs lookups`);
    const started = performance.now();
    const verdict = evaluate(condition, cel);
    if (typeof verdict !== 'boolean') return verdict;
    stats.record(conditionStatsKey(wf, condition), performance.now() - started, verdict);
    if (!verdict) return falseOutcome(condition);
  }
  return { pass: true };
}

/** CEL checks and lookups, in one measured order; a lookup's cost is its call (none when cached). */
export async function checkConditionsWithLookups(wf: CompiledWorkflow, cel: CelContext, stats: ConditionStats, perform: LookupPerformer): Promise<ConditionOutcome> {
  for (const condition of stats.order(wf.conditions, (c) => conditionStatsKey(wf, c))) {
    const started = performance.now();
    let context = cel;
    let cached = false;
    if (condition.lookup) {
      const answer = await perform(condition, condition.lookup);
      if (!answer.ok) return answer.outcome;
      context = { ...cel, result: answer.result };
      cached = answer.cached;
    }
    const verdict = evaluate(condition, context);
    if (typeof verdict !== 'boolean') return verdict;
    // A cached answer cost nothing now; counting it would make the lookup look cheap.
    if (!cached) stats.record(conditionStatsKey(wf, condition), performance.now() - started, verdict);
    if (!verdict) return falseOutcome(condition);
  }
  return { pass: true };
}

function evaluate(condition: CompiledCondition, cel: CelContext): boolean | ConditionOutcome {
  try {
    return condition.program.evaluate(cel) === true;
  } catch (error) {
    // A budget overrun dead-letters (with an alert) instead of skipping silently.
    if (error instanceof ExpressionBudgetError) {
      return { pass: false, reason: `condition ${condition.index} (${condition.name}) failed: ${error.code}: ${firstLine(error)}`, failure: { stepId: `condition-${condition.index}`, code: error.code } };
    }
    return { pass: false, reason: `condition ${condition.index} (${condition.name}) could not be evaluated: ${firstLine(error)}` };
  }
}

function falseOutcome(condition: CompiledCondition): ConditionOutcome {
  return { pass: false, reason: `condition ${condition.index} is false: ${condition.name}` };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
