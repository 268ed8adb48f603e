// Run-time loop protection (invariant 7), decided inside the write that would queue the next
// execution: a maximum causal depth, a budget of executions per root change, and per-record
// re-entry rules. A stopped execution is recorded as skipped with the guard and the causal
// path, and raises a loop alert: never silent.
//
// The guard does no I/O. For one write, `query` says what to read (only what the matched
// workflows' rules need), the write path reads it in one store operation, and `check` decides
// each workflow from those facts. So the write's cost does not grow with the matched workflows or
// their history (invariant 3): one read, not one or two per workflow.
import { randomUUID } from 'node:crypto';
import { parseDuration } from '../clock.js';
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { LoopGuardFacts, LoopGuardQuery } from '../store/port.js';
import type { AlertRow, NewExecution } from '../domain/types.js';
import type { Occurrence } from '../triggers/occurrence.js';

export interface LoopLimits {
  /** Executions at this causal depth or deeper are stopped. Default 5. */
  maxDepth: number;
  /** Executions one root change may cause in all. Default 25. */
  budget: number;
}

export const DEFAULT_LOOP_LIMITS: LoopLimits = Object.freeze({ maxDepth: 5, budget: 25 });

/** Facts for a write that needs none (no rule of its workflows reads the store). */
export const NO_FACTS: LoopGuardFacts = Object.freeze({ causedByRoot: 0, lastRunAt: new Map<string, number>() });

interface Verdict {
  guard: 'depth' | 'budget' | 'reentry';
  reason: string;
}

export class LoopGuard {
  constructor(private readonly limits: (tenant: string) => LoopLimits) {}

  /**
   * What the store must read for this change's matched workflows, or undefined when nothing: the
   * root change's count only below the depth limit of some workflow at depth > 0 (a user's write
   * starts its own chain), last-run times only for workflows whose re-entry rule reads history
   * (re-entry is per record: an occurrence without a record has none).
   */
  query(matched: readonly CompiledWorkflow[], occurrence: Occurrence): LoopGuardQuery | undefined {
    const depth = occurrence.cause.depth;
    const live = matched.filter((wf) => depth < this.limitsFor(wf, occurrence.tenant).maxDepth);
    const workflowIds = occurrence.record ? [...new Set(live.filter(readsHistory).map((wf) => wf.id))].sort() : [];
    const budgets = depth > 0 ? live.map((wf) => this.limitsFor(wf, occurrence.tenant).budget) : [];
    if (workflowIds.length === 0 && budgets.length === 0) return undefined;
    return {
      tenant: occurrence.tenant,
      recordType: occurrence.record?.type ?? '',
      recordId: occurrence.record?.id ?? '',
      workflowIds,
      // "Has it reached the budget?" needs no count past the largest budget: bounded, whatever the history.
      ...(budgets.length > 0 ? { root: { changeId: occurrence.cause.rootChangeId, countUpTo: Math.max(...budgets) } } : {}),
    };
  }

  /**
   * Returns the execution to insert: as given, or skipped with the guard's reason and the alert
   * to store with it. `facts` is what the store returned for `query`; `queuedBefore` counts the
   * executions this same occurrence already queued (not yet in the store).
   */
  check(wf: CompiledWorkflow, change: Occurrence, execution: NewExecution, facts: LoopGuardFacts, queuedBefore: number): { execution: NewExecution; alert?: AlertRow } {
    const verdict = this.verdict(wf, change, facts, queuedBefore);
    if (!verdict) return { execution };
    const path = [...(change.cause.path ?? []), wf.id];
    const reason = `loop guard (${verdict.guard}): ${verdict.reason}; path ${path.join(' -> ')}`;
    const alert: AlertRow = {
      id: randomUUID(),
      tenant: change.tenant,
      kind: 'loop',
      severity: verdict.guard === 'reentry' ? 'info' : 'warning',
      message: `stopped ${wf.id} on ${subject(change)}: ${verdict.reason}`,
      details: { guard: verdict.guard, workflowId: wf.id, version: wf.version, executionId: execution.id, rootChangeId: change.cause.rootChangeId, depth: change.cause.depth, path },
      at: change.at,
    };
    return { execution: { ...execution, status: 'skipped', reason, finishedAt: change.at }, alert };
  }

  private limitsFor(wf: CompiledWorkflow, tenant: string): LoopLimits {
    const tenantLimits = this.limits(tenant);
    return { maxDepth: wf.definition.loop?.maxDepth ?? tenantLimits.maxDepth, budget: wf.definition.loop?.budget ?? tenantLimits.budget };
  }

  private verdict(wf: CompiledWorkflow, change: Occurrence, facts: LoopGuardFacts, queuedBefore: number): Verdict | undefined {
    const { maxDepth, budget } = this.limitsFor(wf, change.tenant);
    const depth = change.cause.depth;
    if (depth >= maxDepth) return { guard: 'depth', reason: `causal depth ${depth} reached the limit of ${maxDepth}` };
    if (depth > 0) {
      const caused = facts.causedByRoot + queuedBefore;
      if (caused >= budget) return { guard: 'budget', reason: `root change ${change.cause.rootChangeId} already caused ${caused} executions (budget ${budget})` };
    }
    return reentry(wf, change, facts);
  }
}

/** The record an occurrence is about, or the occurrence itself when it has none (for messages). */
function subject(occurrence: Occurrence): string {
  return occurrence.record ? `${occurrence.record.type}/${occurrence.record.id}` : `${occurrence.kind} ${occurrence.key}`;
}

/**
 * Re-entry rules are per record. Only a record change has changed fields, so on_value_change
 * judges record changes alone: a manual run or an event is asked for, not a value echoing back.
 */
function reentry(wf: CompiledWorkflow, occurrence: Occurrence, facts: LoopGuardFacts): Verdict | undefined {
  const rule = wf.definition.reentry;
  if (!rule || rule.policy === 'always' || !occurrence.record) return undefined;
  const on = subject(occurrence);
  if (rule.policy === 'on_value_change') {
    if (occurrence.kind !== 'record_change') return undefined;
    const watched = watchedFields(wf);
    const changed = occurrence.change.changedFields.filter((f) => watched.includes(f));
    return changed.length > 0 ? undefined : { guard: 'reentry', reason: `none of the fields it reads changed value (${watched.join(', ')})` };
  }
  const last = facts.lastRunAt.get(wf.id);
  if (last === undefined) return undefined;
  if (rule.policy === 'once') return { guard: 'reentry', reason: `already ran once for ${on}` };
  const within = parseDuration(rule.within ?? '24h');
  return occurrence.at - last < within ? { guard: 'reentry', reason: `already ran for ${on} within ${rule.within ?? '24h'}` } : undefined;
}

/** Rules that ask when the workflow last ran for the record ('once', 'once_per_period'). */
function readsHistory(wf: CompiledWorkflow): boolean {
  const policy = wf.definition.reentry?.policy;
  return policy === 'once' || policy === 'once_per_period';
}

/** The fields a workflow's trigger and conditions read. */
function watchedFields(wf: CompiledWorkflow): string[] {
  const t = wf.definition.trigger;
  const fields = new Set<string>([...(t.field ? [t.field] : []), ...(t.fields ?? [])]);
  for (const c of wf.conditions) for (const f of c.fieldsRead) fields.add(f);
  return [...fields].sort();
}
