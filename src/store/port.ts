// The one store port. Engine code above src/store talks only to these interfaces; the SQLite and
// PostgreSQL adapters implement them and one contract suite (test/contract) checks both.
import type {
  AlertRow,
  AttemptRow,
  BreakerRow,
  ChangeRow,
  EffectRow,
  ClaimOptions,
  ExecutionFilter,
  ExecutionRow,
  ExecutionStatus,
  Json,
  Lease,
  NewExecution,
  RecordRow,
  StepRow,
  WorkflowRow,
  WorkflowVersionRow,
} from './types.js';

/** Backend differences are flags, not `if (backend === ...)` scattered above the store. */
export interface StoreCapabilities {
  /** Many processes may share the store and wake each other (PostgreSQL); SQLite serves one process. */
  multiProcess: boolean;
}

/** Operations inside one transaction. Everything done through one Tx commits or none of it does. */
export interface StoreTx {
  /** Reads a record and locks it against concurrent writers until the transaction ends. */
  getRecordForUpdate(tenant: string, type: string, id: string): Promise<RecordRow | undefined>;
  insertRecord(row: RecordRow): Promise<void>;
  /** Writes row if the stored version is still expectedVersion; false when it moved on. */
  updateRecord(row: RecordRow, expectedVersion: number): Promise<boolean>;
  deleteRecord(tenant: string, type: string, id: string, expectedVersion: number): Promise<boolean>;
  appendChange(change: ChangeRow): Promise<void>;
  /** Inserts executions, ignoring any whose dedup key exists (invariant 2). Returns how many were new. */
  insertExecutions(rows: NewExecution[]): Promise<number>;

  /** The tenant's catalog revision: bumped by every deploy/enable/disable. */
  getCatalogRevision(tenant: string): Promise<number>;
  bumpCatalogRevision(tenant: string): Promise<number>;
  getWorkflow(tenant: string, workflowId: string): Promise<WorkflowRow | undefined>;
  getLatestVersion(tenant: string, workflowId: string): Promise<WorkflowVersionRow | undefined>;
  insertWorkflowVersion(row: WorkflowVersionRow): Promise<void>;
  upsertWorkflow(row: WorkflowRow): Promise<void>;

  /**
   * Fencing: throws StaleLeaseError unless the execution is running under exactly this
   * attempt. Every write a worker makes for an execution goes through a transaction that
   * checks its lease first, so a worker whose lease ran out can no longer write.
   */
  checkLease(lease: Lease): Promise<void>;
  saveStep(step: StepRow): Promise<void>;
  /** Ends or requeues the execution under the lease; throws StaleLeaseError when fenced out. */
  finishExecution(lease: Lease, update: ExecutionUpdate): Promise<void>;

  // Loop guards (read inside the write that would trigger the next execution).
  /** How many executions a root change has caused so far, in any state. */
  countExecutionsByRoot(tenant: string, rootChangeId: string): Promise<number>;
  /** When this workflow last ran (or was queued to run) for this record; skipped ones do not count. */
  lastExecutionAt(tenant: string, workflowId: string, recordType: string, recordId: string): Promise<number | undefined>;

  insertAlert(alert: AlertRow): Promise<void>;
  /** The effect ledger: an external step looks here before it calls out, and writes here after. */
  getEffect(tenant: string, key: string): Promise<EffectRow | undefined>;
  saveEffect(effect: EffectRow): Promise<void>;
  recordAttempt(attempt: AttemptRow): Promise<void>;
  /** Reads a breaker and locks it (even before its row exists) until the transaction ends. */
  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined>;
  putBreaker(row: BreakerRow): Promise<void>;
}

export interface ExecutionUpdate {
  status: ExecutionStatus;
  reason?: string | null;
  finishedAt?: number | null;
  /** For a requeue ('queued'): when it may run again. */
  runAt?: number;
}

export interface TransactionOptions {
  /**
   * A user is waiting for this transaction (an API write): the embedded store runs it ahead of
   * queued background work. Backends where transactions run in parallel ignore it.
   */
  interactive?: boolean;
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;

  /** Applies pending numbered migrations, all of them or those up to `toVersion`. Idempotent. */
  migrate(toVersion?: number): Promise<void>;
  close(): Promise<void>;

  /**
   * Runs fn in one transaction. Conflicts between concurrent transactions are retried by the
   * adapter where the backend reports them as retryable (serialization failure, deadlock).
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;

  // Reads outside a transaction (the API, dashboards, workers loading context).
  getRecord(tenant: string, type: string, id: string): Promise<RecordRow | undefined>;
  listRecords(tenant: string, type: string, limit: number, afterId?: string): Promise<RecordRow[]>;
  listChanges(tenant: string, type: string, recordId: string): Promise<ChangeRow[]>;
  getChange(tenant: string, changeId: string): Promise<ChangeRow | undefined>;
  listWorkflows(tenant: string): Promise<WorkflowRow[]>;
  listWorkflowVersions(tenant: string, workflowId: string): Promise<WorkflowVersionRow[]>;
  getWorkflowVersion(tenant: string, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined>;
  /** Every tenant's enabled workflows with their active version's definition. */
  listActiveVersions(tenant: string): Promise<WorkflowVersionRow[]>;
  getCatalogRevision(tenant: string): Promise<number>;
  getExecution(tenant: string, id: string): Promise<ExecutionRow | undefined>;
  listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]>;
  listSteps(executionId: string): Promise<StepRow[]>;
  countExecutionsByStatus(tenant?: string): Promise<Partial<Record<ExecutionStatus, number>>>;
  listAlerts(tenant: string, limit: number): Promise<AlertRow[]>;
  listAttempts(executionId: string): Promise<AttemptRow[]>;
  listBreakers(tenant: string): Promise<BreakerRow[]>;
  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined>;
  /**
   * Puts executions in one of `from` statuses back in the queue to run at `now` (dead-letter
   * replay). Checkpointed steps stay done, so a replay never repeats them. Returns the ids moved.
   */
  requeueExecutions(tenant: string, ids: string[], from: ExecutionStatus[], now: number): Promise<string[]>;
  /** Ends executions in one of `from` statuses as cancelled with a reason. Returns the ids moved. */
  cancelExecutions(tenant: string, ids: string[], from: ExecutionStatus[], reason: string, now: number): Promise<string[]>;

  // The worker's side.
  /**
   * Claims up to limit ready executions: queued, runAt <= now, and no other execution of the
   * same lane running. Sets status running, attempt + 1, lease and worker. Spreads claims over
   * tenants so one tenant's backlog cannot starve another's.
   */
  claimExecutions(options: ClaimOptions): Promise<ExecutionRow[]>;
  /** Extends the leases this worker still holds; returns the ids it no longer holds. */
  heartbeat(workerId: string, leases: Lease[], now: number, leaseMs: number): Promise<string[]>;
  /** Returns executions whose lease expired to the queue. Returns how many. */
  sweepExpiredLeases(now: number): Promise<number>;
  /** Earliest runAt of a queued execution, to sleep until then; undefined when none. */
  nextRunAt(): Promise<number | undefined>;
  /** Subscribes to wake-ups (executions queued elsewhere). Returns an unsubscribe function. */
  onWake(listener: () => void): () => void;
  /** Tells workers (in any process) that executions were queued. */
  notifyQueued(): Promise<void>;
}

export type { Json };
