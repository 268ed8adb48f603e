// The domain: the rows, records, changes and executions every layer speaks of, and the object
// types records follow. Types only, importing nothing: the store adapters map their own columns to
// these shapes, and the layers above the store pass them around without knowing the store.
// Times are epoch milliseconds from the injected clock, never the database's clock.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type RecordData = Record<string, Json>;

export interface RecordRow {
  tenant: string;
  type: string;
  id: string;
  version: number;
  data: RecordData;
  createdAt: number;
  updatedAt: number;
}

export type ChangeOperation = 'created' | 'updated' | 'deleted';

/** Who made a change: a user (or API token), or a workflow execution. Invariant 9. */
export type Actor =
  | { kind: 'user'; id: string }
  | { kind: 'workflow'; workflowId: string; version: number; executionId: string; stepId: string };

/** Why a change happened: its place in the causal chain that started at a root change. */
export interface Cause {
  /** The first change of the chain; a change made by a user is its own root. */
  rootChangeId: string;
  /** 0 for a user change, parent depth + 1 for a change made by a workflow. */
  depth: number;
  executionId?: string;
  workflowId?: string;
  version?: number;
  /** The workflows that led here, root first: the causal path loop alerts show. */
  path?: string[];
}

export interface ChangeRow {
  id: string;
  /** Monotonic per store; orders history. */
  seq?: number;
  tenant: string;
  type: string;
  recordId: string;
  operation: ChangeOperation;
  before: RecordData | null;
  after: RecordData | null;
  changedFields: string[];
  versionBefore: number | null;
  versionAfter: number | null;
  actor: Actor;
  cause: Cause;
  at: number;
}

export interface WorkflowVersionRow {
  tenant: string;
  workflowId: string;
  version: number;
  /** The definition as validated (JSON), stored verbatim: versions are immutable. */
  definition: Json;
  /** sha256 of the canonical definition: an unchanged deploy makes no new version. */
  hash: string;
  createdAt: number;
}

export interface WorkflowRow {
  tenant: string;
  workflowId: string;
  enabled: boolean;
  latestVersion: number;
  /** The version that triggers match; the latest one unless rolled back. */
  activeVersion: number;
  updatedAt: number;
}

/** `failed` means dead-lettered: retries and fallbacks are exhausted, an alert and an ops task exist. */
export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  /** Held by a pause or an emergency stop (not final): no claim takes it until it is resumed. */
  | 'paused';


/** 'workflow' runs a whole workflow version; 'step' runs one async step on its own. */
export type ExecutionKind = 'workflow' | 'step';

/**
 * What kind of occurrence started an execution (see triggers/occurrence.ts). A record change is
 * 'record_change'; schedules, relative timers, external events, manual runs and batches are the others.
 */
export type OccurrenceKind = 'record_change' | 'schedule' | 'timer' | 'event' | 'manual' | 'batch';

export interface ExecutionRow {
  id: string;
  tenant: string;
  kind: ExecutionKind;
  workflowId: string;
  version: number;
  /** The trigger occurrence's key (a change id for a record change); with workflow, version and step, the dedup key. */
  triggerKey: string;
  /** The kind of the occurrence that started it; only 'record_change' has a change behind triggerKey. */
  occurrenceKind: OccurrenceKind;
  /** For kind 'step': which step of the parent this job runs. '' for a workflow execution. */
  stepId: string;
  parentId: string | null;
  recordType: string;
  recordId: string;
  /** Executions sharing a lane run one at a time (invariant 4): tenant/type/id by default. */
  lane: string;
  status: ExecutionStatus;
  /** Claims so far; the fencing token of the current lease. */
  attempt: number;
  runAt: number;
  leaseUntil: number | null;
  workerId: string | null;
  rootChangeId: string;
  depth: number;
  /** Why it is skipped, failed or cancelled; null otherwise. */
  reason: string | null;
  /** Extra input: the trigger change summary, async step inputs. */
  input: Json;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /**
   * How often its lease ran out since its last checkpoint (a step saved or a finish resets it;
   * a heartbeat does not). Above 0 it is a suspect: it may have crashed its worker, so it runs
   * alone; at worker.maxLeaseExpiries the sweeper dead-letters it (poison-pill containment).
   */
  leaseExpiries: number;
  /** Asked of a running execution's worker, done at its next commit: pause it, or cancel it (store/stops.ts). */
  stopRequest: 'pause' | 'cancel' | null;
  /** Who paused (while 'paused') or cancelled it (invariant 9: every cancel names its actor). */
  stoppedBy: string | null;
  /** Why it was paused or cancelled, as the one who did it said. */
  stopReason: string | null;
}

export type NewExecution = Omit<
  ExecutionRow,
  'status' | 'attempt' | 'leaseUntil' | 'workerId' | 'reason' | 'startedAt' | 'finishedAt' | 'leaseExpiries' | 'occurrenceKind'
  | 'stopRequest' | 'stoppedBy' | 'stopReason'
> & {
  /** Default 'record_change'. */
  occurrenceKind?: OccurrenceKind;
  /**
   * 'skipped' records an execution a loop guard stopped before it could run (invariant 6);
   * 'paused', one queued while a hold covers its workflow (with stoppedBy and stopReason).
   */
  status?: 'queued' | 'skipped' | 'paused';
  stoppedBy?: string | null;
  stopReason?: string | null;
  reason?: string | null;
  finishedAt?: number | null;
};

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'enqueued';

export interface StepRow {
  executionId: string;
  stepId: string;
  /** The execution attempt that wrote this checkpoint. */
  attempt: number;
  status: StepStatus;
  output: Json;
  error: string | null;
  startedAt: number;
  finishedAt: number;
}

/** The lease a worker holds: every write it makes names it (fencing, invariant 5). */
export interface Lease {
  executionId: string;
  attempt: number;
}

/** Something an operator must see: a loop stopped, an execution dead-lettered, a breaker opened. */
export interface AlertRow {
  id: string;
  tenant: string;
  kind: 'loop' | 'dead_letter' | 'breaker_open' | 'breaker_closed' | 'delivery_failed';
  severity: 'info' | 'warning' | 'critical';
  message: string;
  details: Json;
  at: number;
}

/** The effect ledger: one row per external side effect, keyed by its idempotency key. */
export interface EffectRow {
  tenant: string;
  key: string;
  executionId: string;
  stepId: string;
  /** Which action (or fallback) produced it, e.g. "email.send". */
  action: string;
  result: Json;
  at: number;
}

/** One failed try of a step: the dead-letter list shows every one. */
export interface AttemptRow {
  executionId: string;
  stepId: string;
  /** The execution attempt (lease) it ran under. */
  attempt: number;
  action: string;
  error: string;
  code: string;
  retryable: boolean;
  startedAt: number;
  finishedAt: number;
}

/** A circuit breaker's persisted state, shared by every process on the store. */
export interface BreakerRow {
  tenant: string;
  /** "connector:<name>" or "workflow:<id>". */
  key: string;
  state: Json;
  updatedAt: number;
}

/** A field of an object type (records/object-types.ts holds the built-in types and their checks). */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'datetime';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  /** For strings: the allowed values (a picklist). */
  values?: string[];
}

export interface ValidationRule {
  name: string;
  /** CEL over `record`: when this is true the rule applies. Omitted: always. */
  when?: string;
  /** CEL over `record` that must be true when the rule applies. */
  require: string;
  message: string;
}

export interface ObjectTypeSpec {
  name: string;
  fields: Record<string, FieldSpec>;
  rules: ValidationRule[];
  /** Fields with an expression index in the store (config `objects.<type>.indexes`). */
  indexes?: string[];
}
