// StoreTx.completeSteps for both adapters: the checks on its input (pure).
import { SwitchyardError } from '../errors.js';
import type { CompleteStep } from './port.js';

/**
 * Throws INTERNAL for input that one set-based statement cannot apply as the row-level calls
 * would: a step of another execution than its lease's, or one execution twice (PostgreSQL's
 * ON CONFLICT cannot touch a row twice in one statement, and the second finish would be stale).
 */
export function checkCompleteSteps(items: readonly CompleteStep[]): void {
  const seen = new Set<string>();
  for (const { lease, step } of items) {
    if (step.executionId !== lease.executionId) {
      throw new SwitchyardError('INTERNAL', `completeSteps: step ${step.stepId} belongs to ${step.executionId}, not to ${lease.executionId}`);
    }
    if (seen.has(lease.executionId)) throw new SwitchyardError('INTERNAL', `completeSteps: execution ${lease.executionId} given twice`);
    seen.add(lease.executionId);
  }
}
