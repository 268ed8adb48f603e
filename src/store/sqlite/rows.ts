// SQLite rows <-> port rows. JSON columns are TEXT; booleans are 0/1.
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, EffectRow, ExecutionRow, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';

export interface RecordSql { tenant: string; type: string; id: string; version: number; data: string; created_at: number; updated_at: number }
export interface ChangeSql {
  seq: number; id: string; tenant: string; type: string; record_id: string; operation: string;
  before: string | null; after: string | null; changed_fields: string; version_before: number | null; version_after: number | null;
  actor: string; cause: string; at: number;
}
export interface WorkflowSql { tenant: string; workflow_id: string; enabled: number; latest_version: number; active_version: number; updated_at: number }
export interface VersionSql { tenant: string; workflow_id: string; version: number; definition: string; hash: string; created_at: number }
export interface ExecutionSql {
  seq: number; id: string; tenant: string; kind: string; workflow_id: string; version: number; trigger_key: string; step_id: string;
  parent_id: string | null; record_type: string; record_id: string; lane: string; status: string; attempt: number; run_at: number;
  lease_until: number | null; worker_id: string | null; root_change_id: string; depth: number; reason: string | null; input: string;
  created_at: number; started_at: number | null; finished_at: number | null; lease_expiries: number; occurrence_kind: string;
  stop_request: string | null; stopped_by: string | null; stop_reason: string | null;
}
export interface StepSql {
  execution_id: string; step_id: string; attempt: number; status: string; output: string; error: string | null; started_at: number; finished_at: number;
}

const parse = <T>(text: string | null): T => (text === null ? null : JSON.parse(text)) as T;

export const record = (r: RecordSql): RecordRow => ({
  tenant: r.tenant, type: r.type, id: r.id, version: r.version, data: parse(r.data), createdAt: r.created_at, updatedAt: r.updated_at,
});

export const recordParams = (r: RecordRow): Record<string, unknown> => ({ ...r, data: JSON.stringify(r.data) });

export const change = (r: ChangeSql): ChangeRow => ({
  id: r.id, seq: r.seq, tenant: r.tenant, type: r.type, recordId: r.record_id, operation: r.operation as ChangeRow['operation'],
  before: parse(r.before), after: parse(r.after), changedFields: parse(r.changed_fields),
  versionBefore: r.version_before, versionAfter: r.version_after, actor: parse(r.actor), cause: parse(r.cause), at: r.at,
});

export const changeParams = (c: ChangeRow): Record<string, unknown> => ({
  id: c.id, tenant: c.tenant, type: c.type, recordId: c.recordId, operation: c.operation,
  before: c.before && JSON.stringify(c.before), after: c.after && JSON.stringify(c.after), changedFields: JSON.stringify(c.changedFields),
  versionBefore: c.versionBefore, versionAfter: c.versionAfter, actor: JSON.stringify(c.actor), cause: JSON.stringify(c.cause),
  rootChangeId: c.cause.rootChangeId, depth: c.cause.depth, at: c.at,
});

export const workflow = (r: WorkflowSql): WorkflowRow => ({
  tenant: r.tenant, workflowId: r.workflow_id, enabled: r.enabled === 1, latestVersion: r.latest_version, activeVersion: r.active_version, updatedAt: r.updated_at,
});

export const version = (r: VersionSql): WorkflowVersionRow => ({
  tenant: r.tenant, workflowId: r.workflow_id, version: r.version, definition: parse(r.definition), hash: r.hash, createdAt: r.created_at,
});

export const execution = (r: ExecutionSql): ExecutionRow => ({
  id: r.id, tenant: r.tenant, kind: r.kind as ExecutionRow['kind'], workflowId: r.workflow_id, version: r.version, triggerKey: r.trigger_key,
  stepId: r.step_id, parentId: r.parent_id, recordType: r.record_type, recordId: r.record_id, lane: r.lane,
  status: r.status as ExecutionRow['status'], attempt: r.attempt, runAt: r.run_at, leaseUntil: r.lease_until, workerId: r.worker_id,
  rootChangeId: r.root_change_id, depth: r.depth, reason: r.reason, input: parse(r.input),
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, leaseExpiries: r.lease_expiries,
  occurrenceKind: r.occurrence_kind as ExecutionRow['occurrenceKind'],
  stopRequest: (r.stop_request ?? null) as ExecutionRow['stopRequest'], stoppedBy: r.stopped_by ?? null, stopReason: r.stop_reason ?? null,
});

/** Only an execution of another kind than a record change names occurrence_kind (Q.insertExecutionOfKind). */
export const namesOccurrenceKind = (e: NewExecution): boolean => (e.occurrenceKind ?? 'record_change') !== 'record_change';

export const executionParams = ({ stoppedBy: _by, stopReason: _why, ...e }: NewExecution): Record<string, unknown> => ({
  ...e, input: JSON.stringify(e.input), status: e.status ?? 'queued', reason: e.reason ?? null, finishedAt: e.finishedAt ?? null,
});

export const step = (r: StepSql): StepRow => ({
  executionId: r.execution_id, stepId: r.step_id, attempt: r.attempt, status: r.status as StepRow['status'],
  output: parse(r.output), error: r.error, startedAt: r.started_at, finishedAt: r.finished_at,
});

export const stepParams = (s: StepRow): Record<string, unknown> => ({ ...s, output: JSON.stringify(s.output ?? null) });

export interface AlertSql { id: string; tenant: string; kind: string; severity: string; message: string; details: string; at: number }
export const alert = (r: AlertSql): AlertRow => ({
  id: r.id, tenant: r.tenant, kind: r.kind as AlertRow['kind'], severity: r.severity as AlertRow['severity'], message: r.message, details: parse(r.details), at: r.at,
});
export interface EffectSql { tenant: string; key: string; execution_id: string; step_id: string; action: string; result: string; at: number }
export const effect = (r: EffectSql): EffectRow => ({
  tenant: r.tenant, key: r.key, executionId: r.execution_id, stepId: r.step_id, action: r.action, result: parse(r.result), at: r.at,
});
export interface AttemptSql {
  execution_id: string; step_id: string; attempt: number; action: string; error: string; code: string; retryable: number; started_at: number; finished_at: number;
}
export const attempt = (r: AttemptSql): AttemptRow => ({
  executionId: r.execution_id, stepId: r.step_id, attempt: r.attempt, action: r.action, error: r.error, code: r.code,
  retryable: r.retryable === 1, startedAt: r.started_at, finishedAt: r.finished_at,
});
export interface BreakerSql { tenant: string; key: string; state: string; updated_at: number }
export const breaker = (r: BreakerSql): BreakerRow => ({ tenant: r.tenant, key: r.key, state: parse(r.state), updatedAt: r.updated_at });
