// Which cycles are guarded, and the deploy-time refusal of those that are not (invariant 7: a
// cycle check before deploy is the first of the three loop bounds).
import type { WorkflowDefinition } from '../domain/workflow.js';
import { SwitchyardError } from '../errors.js';
import type { GraphCycle, GraphReport } from './types.js';

/**
 * A workflow guards any cycle it is on when it limits its own re-entry per record, or when its
 * author declared the cycle safe with a reason (`loop.allowCycle`). Run-time depth and budget
 * limits still apply to guarded cycles; this only decides what deploy refuses.
 */
export function isGuarded(def: WorkflowDefinition): boolean {
  const reentry = def.reentry && def.reentry.policy !== 'always';
  return Boolean(reentry) || Boolean(def.loop?.allowCycle);
}

/** The cycles no member guards: deploy refuses these. */
export function unguardedCycles(report: GraphReport): GraphCycle[] {
  return report.cycles.filter((c) => !c.guarded);
}

/** Throws WORKFLOW_CYCLE naming every unguarded cycle and its path; returns quietly otherwise. */
export function assertNoUnguardedCycles(report: GraphReport): void {
  const cycles = unguardedCycles(report);
  if (cycles.length === 0) return;
  const paths = cycles.map((c) => c.path.join(' -> '));
  throw new SwitchyardError(
    'WORKFLOW_CYCLE',
    `unguarded workflow cycle${cycles.length > 1 ? 's' : ''}: ${paths.join('; ')} (add a reentry rule or loop.allowCycle to one of them)`,
    { extra: { cycles } },
  );
}
