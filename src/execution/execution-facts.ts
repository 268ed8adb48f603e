// What an execution implies, derived from its row alone: its steps' idempotency keys, its causal
// path, the cause its writes carry, and what a dead letter records. Pure.
import { randomUUID } from 'node:crypto';
import type { WriteCommand } from '../services/write-path.js';
import type { AlertRow, ExecutionRow } from '../domain/types.js';

/** Deterministic per execution and step: the same on every retry and replay (invariant 5). */
export function idempotencyKey(exec: ExecutionRow, stepKey: string): string {
  return `${exec.kind === 'step' && exec.parentId ? exec.parentId : exec.id}:${stepKey}`;
}

/** The workflows that led to this execution, itself included (recorded at queue time). */
export function executionPath(exec: ExecutionRow): string[] {
  const input = exec.input as { path?: unknown } | null;
  return Array.isArray(input?.path) ? input.path.filter((p): p is string => typeof p === 'string') : [exec.workflowId];
}

/** Who a write made by this execution's step is, and why it happened (invariant 9). */
export function writeOrigin(exec: ExecutionRow, stepKey: string): Pick<WriteCommand, 'actor' | 'parent'> {
  return {
    actor: { kind: 'workflow', workflowId: exec.workflowId, version: exec.version, executionId: exec.id, stepId: stepKey },
    parent: { rootChangeId: exec.rootChangeId, depth: exec.depth, executionId: exec.id, workflowId: exec.workflowId, version: exec.version, path: executionPath(exec) },
  };
}

export function deadLetterAlert(exec: ExecutionRow, reason: string, details: { stepId?: string; code: string }, now: number): AlertRow {
  return {
    id: randomUUID(), tenant: exec.tenant, kind: 'dead_letter', severity: 'critical', at: now,
    message: `execution ${exec.id} of ${exec.workflowId} v${exec.version} on ${exec.recordType}/${exec.recordId} was dead-lettered: ${reason}`,
    details: { executionId: exec.id, workflowId: exec.workflowId, version: exec.version, record: `${exec.recordType}/${exec.recordId}`, ...details },
  };
}

/** The task a dead letter leaves for the ops team, related to the record it failed on. */
export function opsTask(exec: ExecutionRow, reason: string, stepId: string | undefined): WriteCommand {
  return {
    op: 'create', tenant: exec.tenant, type: 'task', id: `ops:${exec.id}:${exec.attempt}`,
    data: {
      subject: `Automation failed: ${exec.workflowId} on ${exec.recordType} ${exec.recordId}`,
      description: `${reason}\nExecution ${exec.id}; replay it from the dead-letter list once the cause is fixed.`,
      status: 'open', priority: 'high', owner: 'ops', related_type: exec.recordType, related_id: exec.recordId,
    },
    ...writeOrigin(exec, stepId ?? '(dead-letter)'),
  };
}
