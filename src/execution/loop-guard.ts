// Run-time loop protection (invariant 7), decided inside the write that would queue the next
// execution: a maximum causal depth, a budget of executions per root change, and per-record
// re-entry rules. A stopped execution is recorded as skipped with the guard and the causal
// path, and raises a loop alert: never silent.
import { randomUUID } from 'node:crypto';
import { parseDuration } from '../clock.js';
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { StoreTx } from '../store/port.js';
import type { AlertRow, ChangeRow, NewExecution } from '../store/types.js';

export interface LoopLimits {
  /** Executions at this causal depth or deeper are stopped. Default 5. */
  maxDepth: number;
  /** Executions one root change may cause in all. Default 25. */
  budget: number;
}

export const DEFAULT_LOOP_LIMITS: LoopLimits = Object.freeze({ maxDepth: 5, budget: 25 });

interface Verdict {
  guard: 'depth' | 'budget' | 'reentry';
  reason: string;
}

export class LoopGuard {
  constructor(private readonly limits: (tenant: string) => LoopLimits) {}

  /**
   * Returns the execution to insert: as given, or skipped with the guard's reason.
   * `queuedBefore` counts executions this same change already queued (not yet in the store).
   */
  async check(tx: StoreTx, wf: CompiledWorkflow, change: ChangeRow, execution: NewExecution, queuedBefore: number): Promise<{ execution: NewExecution; alert?: AlertRow }> {
    const verdict = await this.verdict(tx, wf, change, queuedBefore);
    if (!verdict) return { execution };
    const path = [...(change.cause.path ?? []), wf.id];
    const reason = `loop guard (${verdict.guard}): ${verdict.reason}; path ${path.join(' -> ')}`;
    const alert: AlertRow = {
      id: randomUUID(),
      tenant: change.tenant,
      kind: 'loop',
      severity: verdict.guard === 'reentry' ? 'info' : 'warning',
      message: `stopped ${wf.id} on ${change.type}/${change.recordId}: ${verdict.reason}`,
      details: { guard: verdict.guard, workflowId: wf.id, version: wf.version, executionId: execution.id, rootChangeId: change.cause.rootChangeId, depth: change.cause.depth, path },
      at: change.at,
    };
    await tx.insertAlert(alert);
    return { execution: { ...execution, status: 'skipped', reason, finishedAt: change.at }, alert };
  }

  private async verdict(tx: StoreTx, wf: CompiledWorkflow, change: ChangeRow, queuedBefore: number): Promise<Verdict | undefined> {
    const tenantLimits = this.limits(change.tenant);
    const maxDepth = wf.definition.loop?.maxDepth ?? tenantLimits.maxDepth;
    const budget = wf.definition.loop?.budget ?? tenantLimits.budget;
    const depth = change.cause.depth;
    if (depth >= maxDepth) return { guard: 'depth', reason: `causal depth ${depth} reached the limit of ${maxDepth}` };
    if (depth > 0) {
      const caused = (await tx.countExecutionsByRoot(change.tenant, change.cause.rootChangeId)) + queuedBefore;
      if (caused >= budget) return { guard: 'budget', reason: `root change ${change.cause.rootChangeId} already caused ${caused} executions (budget ${budget})` };
    }
    return this.reentry(tx, wf, change);
  }

  private async reentry(tx: StoreTx, wf: CompiledWorkflow, change: ChangeRow): Promise<Verdict | undefined> {
    const rule = wf.definition.reentry;
    if (!rule || rule.policy === 'always') return undefined;
    if (rule.policy === 'on_value_change') {
      const watched = watchedFields(wf);
      const changed = change.changedFields.filter((f) => watched.includes(f));
      return changed.length > 0 ? undefined : { guard: 'reentry', reason: `none of the fields it reads changed value (${watched.join(', ')})` };
    }
    const last = await tx.lastExecutionAt(change.tenant, wf.id, change.type, change.recordId);
    if (last === undefined) return undefined;
    if (rule.policy === 'once') return { guard: 'reentry', reason: `already ran once for ${change.type}/${change.recordId}` };
    const within = parseDuration(rule.within ?? '24h');
    return change.at - last < within ? { guard: 'reentry', reason: `already ran for ${change.type}/${change.recordId} within ${rule.within ?? '24h'}` } : undefined;
  }
}

/** The fields a workflow's trigger and conditions read. */
function watchedFields(wf: CompiledWorkflow): string[] {
  const t = wf.definition.trigger;
  const fields = new Set<string>([...(t.field ? [t.field] : []), ...(t.fields ?? [])]);
  for (const c of wf.conditions) for (const f of c.fieldsRead) fields.add(f);
  return [...fields].sort();
}
