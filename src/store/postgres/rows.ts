// PostgreSQL rows <-> port rows. JSON columns are jsonb (node-postgres parses them); int8 columns
// arrive as numbers (see connection.ts: epoch ms and sequence numbers stay far below 2^53).
// Values headed for jsonb are sent as JSON text and cast with ::jsonb in the statement.
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, EffectRow, ExecutionRow, Json, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';

export interface RecordSql { tenant: string; type: string; id: string; version: number; data: RecordRow['data']; created_at: number; updated_at: number }
export interface ChangeSql {
  seq: number; id: string; tenant: string; type: string; record_id: string; operation: string;
  before: ChangeRow['before']; after: ChangeRow['after']; changed_fields: string[]; version_before: number | null; version_after: number | null;
  actor: ChangeRow['actor']; cause: ChangeRow['cause']; at: number;
}
export interface WorkflowSql { tenant: string; workflow_id: string; enabled: boolean; latest_version: number; active_version: number; updated_at: number }
export interface VersionSql { tenant: string; workflow_id: string; version: number; definition: Json; hash: string; created_at: number }
export interface ExecutionSql {
  seq: number; id: string; tenant: string; kind: string; workflow_id: string; version: number; trigger_key: string; step_id: string;
  parent_id: string | null; record_type: string; record_id: string; lane: string; status: string; attempt: number; run_at: number;
  lease_until: number | null; worker_id: string | null; root_change_id: string; depth: number; reason: string | null; input: Json;
  created_at: number; started_at: number | null; finished_at: number | null; lease_expiries: number; occurrence_kind: string;
  stop_request: string | null; stopped_by: string | null; stop_reason: string | null;
}
export interface StepSql {
  execution_id: string; step_id: string; attempt: number; status: string; output: Json; error: string | null; started_at: number; finished_at: number;
}

/** JSON text for a jsonb parameter; SQL NULL stays NULL. */
const json = (value: unknown): string => JSON.stringify(value ?? null);
const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export const record = (r: RecordSql): RecordRow => ({
  tenant: r.tenant, type: r.type, id: r.id, version: r.version, data: r.data, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Q.insertRecord */
export const insertRecordParams = (r: RecordRow): unknown[] => [r.tenant, r.type, r.id, r.version, json(r.data), r.createdAt, r.updatedAt];

/** Q.updateRecord */
export const updateRecordParams = (r: RecordRow, expectedVersion: number): unknown[] =>
  [r.tenant, r.type, r.id, r.version, json(r.data), r.updatedAt, expectedVersion];

export const change = (r: ChangeSql): ChangeRow => ({
  id: r.id, seq: r.seq, tenant: r.tenant, type: r.type, recordId: r.record_id, operation: r.operation as ChangeRow['operation'],
  before: r.before, after: r.after, changedFields: r.changed_fields,
  versionBefore: r.version_before, versionAfter: r.version_after, actor: r.actor, cause: r.cause, at: r.at,
});

/** Q.appendChange */
export const changeParams = (c: ChangeRow): unknown[] => [
  c.id, c.tenant, c.type, c.recordId, c.operation, jsonOrNull(c.before), jsonOrNull(c.after), json(c.changedFields),
  c.versionBefore, c.versionAfter, json(c.actor), json(c.cause), c.cause.rootChangeId, c.cause.depth, c.at,
];

/** One array per parameter position: the $n of each tuple becomes element n of array n. */
const columns = (tuples: readonly unknown[][], width: number): unknown[][] =>
  Array.from({ length: width }, (_, i) => tuples.map((t) => t[i]));

/**
 * Q.flushWrites: updates as Q.updateRecord parameter tuples (7 each), then changes as
 * Q.appendChange tuples (15 each), then inserts as Q.insertRecord tuples (7 each), turned into
 * parallel arrays. Built from the single-row params so that both paths encode every column (JSON
 * text, nulls, times) the same way.
 */
export const flushWritesParams = (updates: readonly unknown[][], changes: readonly unknown[][], inserts: readonly unknown[][] = []): unknown[] =>
  [...columns(updates, 7), ...columns(changes, 15), ...columns(inserts, 7)];

export const workflow = (r: WorkflowSql): WorkflowRow => ({
  tenant: r.tenant, workflowId: r.workflow_id, enabled: r.enabled, latestVersion: r.latest_version, activeVersion: r.active_version, updatedAt: r.updated_at,
});

/** Q.upsertWorkflow */
export const workflowParams = (w: WorkflowRow): unknown[] =>
  [w.tenant, w.workflowId, w.enabled, w.latestVersion, w.activeVersion, w.updatedAt];

export const version = (r: VersionSql): WorkflowVersionRow => ({
  tenant: r.tenant, workflowId: r.workflow_id, version: r.version, definition: r.definition, hash: r.hash, createdAt: r.created_at,
});

/** Q.insertVersion */
export const versionParams = (v: WorkflowVersionRow): unknown[] =>
  [v.tenant, v.workflowId, v.version, json(v.definition), v.hash, v.createdAt];

export const execution = (r: ExecutionSql): ExecutionRow => ({
  id: r.id, tenant: r.tenant, kind: r.kind as ExecutionRow['kind'], workflowId: r.workflow_id, version: r.version, triggerKey: r.trigger_key,
  stepId: r.step_id, parentId: r.parent_id, recordType: r.record_type, recordId: r.record_id, lane: r.lane,
  status: r.status as ExecutionRow['status'], attempt: r.attempt, runAt: r.run_at, leaseUntil: r.lease_until, workerId: r.worker_id,
  rootChangeId: r.root_change_id, depth: r.depth, reason: r.reason, input: r.input,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, leaseExpiries: r.lease_expiries,
  occurrenceKind: r.occurrence_kind as ExecutionRow['occurrenceKind'],
  stopRequest: (r.stop_request ?? null) as ExecutionRow['stopRequest'], stoppedBy: r.stopped_by ?? null, stopReason: r.stop_reason ?? null,
});

/** Only an execution of another kind than a record change names occurrence_kind (Q.insertExecutionsOfKind). */
export const namesOccurrenceKind = (e: NewExecution): boolean => (e.occurrenceKind ?? 'record_change') !== 'record_change';

/** Q.insertExecutions: the $1 batch, one JSON object per row keyed by column name. */
export const executionBatch = (rows: NewExecution[]): string => JSON.stringify(rows.map((e) => ({
  id: e.id, tenant: e.tenant, kind: e.kind, workflow_id: e.workflowId, version: e.version, trigger_key: e.triggerKey,
  occurrence_kind: e.occurrenceKind ?? 'record_change',
  step_id: e.stepId, parent_id: e.parentId, record_type: e.recordType, record_id: e.recordId, lane: e.lane, run_at: e.runAt,
  root_change_id: e.rootChangeId, depth: e.depth, input: e.input ?? null, created_at: e.createdAt,
  status: e.status ?? 'queued', reason: e.reason ?? null, finished_at: e.finishedAt ?? null,
})));

export const step = (r: StepSql): StepRow => ({
  executionId: r.execution_id, stepId: r.step_id, attempt: r.attempt, status: r.status as StepRow['status'],
  output: r.output, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at,
});

/** Q.saveStep */
export const stepParams = (s: StepRow): unknown[] =>
  [s.executionId, s.stepId, s.attempt, s.status, json(s.output), s.error, s.startedAt, s.finishedAt];

/** Q.completeSteps: the items as parallel arrays (leases, finish times, then the step columns). */
export const completeStepsParams = (items: readonly { lease: { executionId: string; attempt: number }; step: StepRow; finishedAt: number }[]): unknown[] => [
  items.map((i) => i.lease.executionId), items.map((i) => i.lease.attempt), items.map((i) => i.finishedAt),
  items.map((i) => i.step.stepId), items.map((i) => i.step.attempt), items.map((i) => i.step.status), items.map((i) => json(i.step.output)),
  items.map((i) => i.step.error), items.map((i) => i.step.startedAt), items.map((i) => i.step.finishedAt),
];

export interface AlertSql { id: string; tenant: string; kind: string; severity: string; message: string; details: Json; at: number }
export const alert = (r: AlertSql): AlertRow => ({
  id: r.id, tenant: r.tenant, kind: r.kind as AlertRow['kind'], severity: r.severity as AlertRow['severity'], message: r.message, details: r.details, at: r.at,
});
/** Q.insertAlert */
export const alertParams = (a: AlertRow): unknown[] => [a.id, a.tenant, a.kind, a.severity, a.message, json(a.details), a.at];
/** Q.insertAlerts: the alerts as one JSON array, keyed by column name. */
export const alertBatch = (alerts: AlertRow[]): string => JSON.stringify(alerts);

export interface EffectSql { tenant: string; key: string; execution_id: string; step_id: string; action: string; result: Json; at: number }
export const effect = (r: EffectSql): EffectRow => ({
  tenant: r.tenant, key: r.key, executionId: r.execution_id, stepId: r.step_id, action: r.action, result: r.result, at: r.at,
});
/** Q.saveEffect */
export const effectParams = (e: EffectRow): unknown[] => [e.tenant, e.key, e.executionId, e.stepId, e.action, json(e.result), e.at];

export interface AttemptSql {
  execution_id: string; step_id: string; attempt: number; action: string; error: string; code: string; retryable: boolean; started_at: number; finished_at: number;
}
export const attempt = (r: AttemptSql): AttemptRow => ({
  executionId: r.execution_id, stepId: r.step_id, attempt: r.attempt, action: r.action, error: r.error, code: r.code,
  retryable: r.retryable, startedAt: r.started_at, finishedAt: r.finished_at,
});
/** Q.recordAttempt */
export const attemptParams = (a: AttemptRow): unknown[] =>
  [a.executionId, a.stepId, a.attempt, a.action, a.error, a.code, a.retryable, a.startedAt, a.finishedAt];

export interface BreakerSql { tenant: string; key: string; state: Json; updated_at: number }
export const breaker = (r: BreakerSql): BreakerRow => ({ tenant: r.tenant, key: r.key, state: r.state, updatedAt: r.updated_at });
/** Q.putBreaker */
export const breakerParams = (b: BreakerRow): unknown[] => [b.tenant, b.key, json(b.state), b.updatedAt];
