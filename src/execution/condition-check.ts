// Conditions on the record as it is now, cheapest first by measured cost and selectivity; the first
// false one decides. Shared by the one-at-a-time runner and the batch runner.
import { performance } from 'node:perf_hooks';
import type { CelContext } from '../conditions/cel.js';
import type { ConditionStats } from '../conditions/ordering.js';
import { ExpressionBudgetError } from '../conditions/expression-errors.js';
import type { CompiledWorkflow } from '../definitions/compile.js';

export type ConditionOutcome =
  | { pass: true }
  /** A condition is false, or could not be evaluated on this record: the execution is skipped. */
  | { pass: false; reason: string }
  /** A condition is over its budget: not a fact about the record but a hostile or broken condition. */
  | { pass: false; reason: string; failure: { stepId: string; code: string } };

export function checkConditions(wf: CompiledWorkflow, cel: CelContext, stats: ConditionStats): ConditionOutcome {
  const ordered = stats.order(wf.conditions, (c) => conditionKey(wf, c.index));
  for (const condition of ordered) {
    const started = performance.now();
    let result: boolean;
    try {
      result = condition.program.evaluate(cel) === true;
    } catch (error) {
      // A budget overrun dead-letters (with an alert) instead of skipping silently.
      if (error instanceof ExpressionBudgetError) {
        return { pass: false, reason: `condition ${condition.index} (${condition.name}) failed: ${error.code}: ${firstLine(error)}`, failure: { stepId: `condition-${condition.index}`, code: error.code } };
      }
      return { pass: false, reason: `condition ${condition.index} (${condition.name}) could not be evaluated: ${firstLine(error)}` };
    }
    stats.record(conditionKey(wf, condition.index), performance.now() - started, result);
    if (!result) return { pass: false, reason: `condition ${condition.index} is false: ${condition.name}` };
  }
  return { pass: true };
}

export function conditionKey(wf: CompiledWorkflow, index: number): string {
  return `${wf.tenant}/${wf.id}@${wf.version}#${index}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
