// Batched context loads (Store.loadExecutionContexts), the part both adapters share (pure, no I/O):
// which keys a batch asks for, and how the rows that come back become one context per execution.
// Every key carries the execution's tenant, and rows are matched back by tenant as well, so a row
// of another tenant can never land in a context even when ids collide.
import type { ExecutionContextRow } from './port.js';
import type { ChangeRow, ExecutionRow, RecordRow, StepRow } from '../domain/types.js';

export interface ContextKeys {
  /** Distinct (tenant, change id): the trigger changes. */
  changes: { tenant: string; id: string }[];
  /** Distinct (tenant, type, id): the records. */
  records: { tenant: string; type: string; id: string }[];
  /** Distinct (tenant, execution id) whose steps are read: the executions and the parents of step jobs. */
  steps: { tenant: string; executionId: string }[];
  /** Distinct (tenant, execution id) whose failed attempts are counted: the executions. */
  attempts: { tenant: string; executionId: string }[];
}

/** The rows a batch read, each with the tenant of the execution it was read through. */
export interface LoadedContexts {
  changes: ChangeRow[];
  records: RecordRow[];
  /** In step order of saving within each execution (as listSteps). */
  steps: { tenant: string; step: StepRow }[];
  attempts: { tenant: string; executionId: string; stepId: string; failed: number }[];
}

const key = (...parts: string[]): string => parts.join('\u0000');

function distinct<T>(items: T[], keyOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}

const byChange = (e: ExecutionRow): boolean => e.occurrenceKind === 'record_change';

const parentOf = (e: ExecutionRow): string | undefined => (e.kind === 'step' && e.parentId ? e.parentId : undefined);

export function contextKeys(executions: ExecutionRow[]): ContextKeys {
  const own = executions.map((e) => ({ tenant: e.tenant, executionId: e.id }));
  const parents = executions.flatMap((e) => {
    const parentId = parentOf(e);
    return parentId === undefined ? [] : [{ tenant: e.tenant, executionId: parentId }];
  });
  const byExecution = (k: { tenant: string; executionId: string }): string => key(k.tenant, k.executionId);
  return {
    // Only a record change has a change behind its trigger key; other occurrences' keys are not change ids.
    changes: distinct(executions.filter(byChange).map((e) => ({ tenant: e.tenant, id: e.triggerKey })), (k) => key(k.tenant, k.id)),
    records: distinct(executions.map((e) => ({ tenant: e.tenant, type: e.recordType, id: e.recordId })), (k) => key(k.tenant, k.type, k.id)),
    steps: distinct([...own, ...parents], byExecution),
    attempts: distinct(own, byExecution),
  };
}

export function assembleContexts(executions: ExecutionRow[], loaded: LoadedContexts): Map<string, ExecutionContextRow> {
  const changes = new Map(loaded.changes.map((c) => [key(c.tenant, c.id), c]));
  const records = new Map(loaded.records.map((r) => [key(r.tenant, r.type, r.id), r]));
  const steps = new Map<string, StepRow[]>();
  for (const { tenant, step } of loaded.steps) {
    const k = key(tenant, step.executionId);
    const list = steps.get(k);
    if (list) list.push(step);
    else steps.set(k, [step]);
  }
  const attempts = new Map<string, Record<string, number>>();
  for (const a of loaded.attempts) {
    const k = key(a.tenant, a.executionId);
    attempts.set(k, { ...attempts.get(k), [a.stepId]: a.failed });
  }
  const contexts = new Map<string, ExecutionContextRow>();
  for (const e of executions) {
    const parentId = parentOf(e);
    contexts.set(e.id, {
      change: byChange(e) ? changes.get(key(e.tenant, e.triggerKey)) : undefined,
      // Copies: two executions of one batch may share a parent, and a caller may edit its lists.
      steps: [...(steps.get(key(e.tenant, e.id)) ?? [])],
      parentSteps: parentId === undefined ? [] : [...(steps.get(key(e.tenant, parentId)) ?? [])],
      failedAttempts: { ...attempts.get(key(e.tenant, e.id)) },
      record: records.get(key(e.tenant, e.recordType, e.recordId)),
    });
  }
  return contexts;
}
