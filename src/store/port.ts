// The one store port. Engine code above src/store talks only to these interfaces; the SQLite and
// PostgreSQL adapters implement them and one contract suite (test/contract) checks both.
import type {
  AlertRow,
  AttemptRow,
  BreakerRow,
  ChangeRow,
  EffectRow,
  ExecutionRow,
  ExecutionStatus,
  Json,
  Lease,
  NewExecution,
  RecordRow,
  StepRow,
  WorkflowRow,
  WorkflowVersionRow,
} from '../domain/types.js';
import type { CancelFilter, HoldRow, ReleaseResult, StopCounts, StopRequest } from './stops.js';
import type { ObjectTypeVersionRow } from '../domain/object-type-versions.js';
import type { ClaimOptions, ConditionStatsRow, ExecutionFilter } from './types.js';
import type { TimerStore, TimerStoreTx } from './timers-port.js';
import type { FieldIndex, RecordFilterQuery, RecordQuery } from '../records/record-query.js';

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
   * Returns what the worker is asked to do with it (store/stops.ts): a cancel or pause request on
   * the execution, else a pause when a hold covers it; undefined when it may go on.
   */
  checkLease(lease: Lease): Promise<StopRequest | undefined>;
  saveStep(step: StepRow): Promise<void>;
  /** Ends or requeues the execution under the lease; throws StaleLeaseError when fenced out. */
  finishExecution(lease: Lease, update: ExecutionUpdate): Promise<void>;
  /**
   * The batch commit of executions whose last step is done: for each item, the same as
   * `saveStep(step)` then `finishExecution(lease, { status: 'succeeded', reason: null, finishedAt })`
   * (fenced by id, attempt and status running; lease columns, lease_expiries and waiting_on cleared;
   * the lane freed and its ready_at refreshed), in a constant number of statements whatever the
   * number of items (PostgreSQL: 2; none when items is empty). An item whose lease is no longer
   * held is left untouched (no step row, no status change) and is not returned: this never throws
   * StaleLeaseError. Returns the execution ids completed, in the order given. Each step must belong
   * to its lease's execution, and an execution may appear once.
   */
  completeSteps(items: CompleteStep[]): Promise<string[]>;
  /**
   * Reads and locks many records in one statement (PostgreSQL: `FOR UPDATE`, taken in (tenant,
   * type, id) order so that concurrent callers cannot deadlock), and keeps them for this
   * transaction: a later getRecordForUpdate of one of these keys is answered without a statement
   * (a key with no record is kept as absent). insertRecord, a successful updateRecord or
   * deleteRecord keep the kept rows right; a savepoint rollback forgets them all (the next
   * getRecordForUpdate reads again), and a retried transaction starts with none.
   */
  lockRecords(keys: RecordKey[]): Promise<void>;
  /**
   * Optional (PostgreSQL; SQLite's in-process statements cost little): after this call, in this
   * transaction, record updates of records locked with lockRecords, inserts of keys it locked and
   * found absent, and change appends may be sent later, in set-based statements, at the latest
   * before the next statement that could read them and before commit; an error they cause is
   * raised then (an insert whose key another transaction took meanwhile: RECORD_EXISTS, from the
   * flush rather than from insertRecord). updateRecord of such a record is decided
   * against the locked row without a statement (false when its version moved on), and the
   * catalog revision is read once per tenant. Savepoints still undo exactly what ran inside them.
   */
  deferWrites?(): void;

  /**
   * Loop guards: everything the guard reads for one write, in one operation (read inside the write
   * that would queue the next executions). Index lookups only: the cost does not grow with the
   * number of executions the root change or the record already has (invariant 3).
   */
  loopGuardFacts(query: LoopGuardQuery): Promise<LoopGuardFacts>;

  insertAlert(alert: AlertRow): Promise<void>;
  /** Inserts alerts in the order given, in one operation (a write's loop alerts). */
  insertAlerts(alerts: AlertRow[]): Promise<void>;
  /** The effect ledger: an external step looks here before it calls out, and writes here after. */
  getEffect(tenant: string, key: string): Promise<EffectRow | undefined>;
  saveEffect(effect: EffectRow): Promise<void>;
  recordAttempt(attempt: AttemptRow): Promise<void>;
  /** Reads a breaker and locks it (even before its row exists) until the transaction ends. */
  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined>;
  putBreaker(row: BreakerRow): Promise<void>;

  /**
   * Runs fn inside a savepoint of this transaction: if fn throws, everything fn did is rolled back
   * (the transaction stays usable) and the error is rethrown; otherwise the savepoint is released.
   * A batch commits many executions in one transaction, one savepoint each, so that one failing
   * execution cannot undo the others. Savepoints nest (each gets a unique name); those of one
   * transaction must run one after another, never concurrently (they form a stack).
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;

  /** Schedules, relative-date timers and skipped fires (timers-port.ts). */
  readonly timers: TimerStoreTx;
}

/** One item of StoreTx.completeSteps: the execution's last checkpoint and when it finished. */
export interface CompleteStep {
  lease: Lease;
  step: StepRow;
  finishedAt: number;
}

/** A record's key (StoreTx.lockRecords). */
export interface RecordKey {
  tenant: string;
  type: string;
  id: string;
}

/** What a worker needs to decide an execution's next move; loaded for a whole batch at once. */
export interface ExecutionContextRow {
  /** The trigger change (executions.trigger_key is a change id for record triggers); undefined if none. */
  change: ChangeRow | undefined;
  /** The execution's own checkpoints, in step order of saving. */
  steps: StepRow[];
  /** For kind 'step' (an async step's job): the parent execution's checkpoints; [] otherwise. */
  parentSteps: StepRow[];
  /** Failed attempts recorded so far, per step id (attempts table); steps without one are absent. */
  failedAttempts: Record<string, number>;
  /** The record (recordType, recordId) as it is now; undefined when it does not exist. */
  record: RecordRow | undefined;
}

/** What the loop guard needs to know for one write (see services/loop-guard.ts). */
export interface LoopGuardQuery {
  tenant: string;
  recordType: string;
  recordId: string;
  /** Workflows whose re-entry rule looks at history: when did each last run for this record? */
  workflowIds: string[];
  /** Count the root change's executions, stopping at countUpTo (the largest budget in play); absent: no count. */
  root?: { changeId: string; countUpTo: number };
}

export interface LoopGuardFacts {
  /** Executions the root change caused so far, in any state, at most root.countUpTo (0 when not asked). */
  causedByRoot: number;
  /** Per workflow asked: when it last ran (or was queued to run) for the record. Skipped ones do not count; absent: never. */
  lastRunAt: ReadonlyMap<string, number>;
}

export interface ExecutionUpdate {
  status: ExecutionStatus;
  reason?: string | null;
  finishedAt?: number | null;
  /** For a requeue ('queued'): when it may run again. */
  runAt?: number;
  /** For a requeue: the circuit breaker key it waits on, so that releaseWaiting can wake it. */
  waitingOn?: string | null;
  /** For 'paused' and 'cancelled': who stopped it and why (a finish clears any stop request). */
  stoppedBy?: string | null;
  stopReason?: string | null;
}

/**
 * What the sweeper does with an execution whose lease ran out once too often (poison-pill
 * containment): it dead-letters it instead of requeueing it, in the same transaction.
 */
export interface SweepPolicy {
  /** The expiry (counted without a checkpoint in between) that dead-letters instead of requeueing. */
  maxLeaseExpiries: number;
  /**
   * The reason and alert of one execution being quarantined; `exec.leaseExpiries` already counts
   * this expiry. Pure: it runs inside the sweep's transaction, which may run more than once.
   */
  quarantine(exec: ExecutionRow, now: number): { reason: string; alert: AlertRow };
}

export interface Quarantined {
  /** As stored after the sweep: status 'failed', its reason, leaseExpiries = maxLeaseExpiries. */
  execution: ExecutionRow;
  /** Stored in the sweep's transaction; the caller delivers it once that committed. */
  alert: AlertRow;
}

export interface SweepResult {
  requeued: number;
  quarantined: Quarantined[];
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
  /** Reads of schedules, timers and skipped fires (timers-port.ts). */
  readonly timers: TimerStore;

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
  /**
   * Records of one type passing every field filter, in sort order after the cursor position, at
   * most `limit` (records/record-query.ts says what each filter and sort means; findInMemory is the
   * reference). Filters and sort run in SQL, on a declared field index where there is one.
   */
  findRecords(query: RecordQuery): Promise<RecordRow[]>;
  /** How many records of one type pass every field filter. */
  countRecords(query: RecordFilterQuery): Promise<number>;
  /**
   * Creates the expression index of each declared field that does not have one yet (idempotent,
   * safe from many processes at once); returns the names it created. Never drops an index.
   */
  ensureFieldIndexes(indexes: readonly FieldIndex[]): Promise<string[]>;
  listChanges(tenant: string, type: string, recordId: string): Promise<ChangeRow[]>;
  /** The record's newest `limit` changes, newest first (explain reads a bounded window of history). */
  listRecentChanges(tenant: string, type: string, recordId: string, limit: number): Promise<ChangeRow[]>;
  getChange(tenant: string, changeId: string): Promise<ChangeRow | undefined>;
  listWorkflows(tenant: string): Promise<WorkflowRow[]>;
  listWorkflowVersions(tenant: string, workflowId: string): Promise<WorkflowVersionRow[]>;
  getWorkflowVersion(tenant: string, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined>;
  /** Every tenant's enabled workflows with their active version's definition. */
  listActiveVersions(tenant: string): Promise<WorkflowVersionRow[]>;
  /** The tenant's API-defined object type versions (of one type when given), by type then version. */
  listObjectTypeVersions(tenant: string, type?: string): Promise<ObjectTypeVersionRow[]>;
  /** The newest version of each of the tenant's API-defined object types, by type. */
  listCurrentObjectTypes(tenant: string): Promise<ObjectTypeVersionRow[]>;
  /**
   * Stores an object type version and bumps the tenant's catalog revision, in one transaction.
   * False, and nothing stored, when that (tenant, type, version) exists: another writer got there first.
   */
  insertObjectTypeVersion(row: ObjectTypeVersionRow): Promise<boolean>;
  getCatalogRevision(tenant: string): Promise<number>;
  getExecution(tenant: string, id: string): Promise<ExecutionRow | undefined>;
  listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]>;
  listSteps(executionId: string): Promise<StepRow[]>;
  countExecutionsByStatus(tenant?: string): Promise<Partial<Record<ExecutionStatus, number>>>;
  listAlerts(tenant: string, limit: number): Promise<AlertRow[]>;
  listAttempts(executionId: string): Promise<AttemptRow[]>;
  /**
   * Loads the contexts of many executions in a constant number of queries, not one per
   * execution: 4 (changes, records, own and parent steps, attempt counts) whatever the batch
   * size, 0 for an empty batch. Keyed by execution id, one entry per execution given. Every key
   * carries the execution's tenant: a change is matched by (tenant, id), a record by (tenant,
   * type, id), steps and attempts only through an execution of that tenant. The same as
   * getChange, listSteps, listAttempts and getRecord per execution, read outside a transaction
   * (the four reads may see different snapshots, as those separate reads would).
   */
  loadExecutionContexts(executions: ExecutionRow[]): Promise<Map<string, ExecutionContextRow>>;
  listBreakers(tenant: string): Promise<BreakerRow[]>;
  /** Every condition of the workflow measured so far, by any process (execution/condition-stats.ts). */
  listConditionStats(tenant: string, workflowId: string): Promise<ConditionStatsRow[]>;
  /**
   * Adds each delta to its row (a missing row starts at zero), in one transaction and, where the
   * backend allows, one statement. Keys must be unique within one call.
   */
  addConditionStats(deltas: ConditionStatsRow[], now: number): Promise<void>;
  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined>;
  /**
   * Puts executions in one of `from` statuses back in the queue to run at `now` (dead-letter
   * replay). Checkpointed steps stay done, so a replay never repeats them. Returns the ids moved.
   */
  requeueExecutions(tenant: string, ids: string[], from: ExecutionStatus[], now: number): Promise<string[]>;
  /**
   * Makes the tenant's queued executions that wait on `waitingOn` (a circuit breaker key, set by a
   * requeue) due at `now`, when their breaker closed. Returns how many; the caller wakes workers.
   */
  releaseWaiting(tenant: string, waitingOn: string, now: number): Promise<number>;
  /**
   * Pause and emergency stop (store/stops.ts), in one transaction: stores the hold (a second hold of
   * the same scope keeps the first one's actor and reason), bumps the tenant's catalog revision,
   * moves the covered queued executions to 'paused' and asks the covered running ones to pause.
   * Returns the hold as stored and the counts.
   */
  hold(hold: HoldRow): Promise<{ hold: HoldRow; counts: StopCounts }>;
  /** Ends a hold: its paused executions not covered by another hold are queued again (see stops.ts). */
  releaseHold(tenant: string, workflowId: string, now: number): Promise<ReleaseResult>;
  /** The tenant's holds, the emergency stop ('*') first. */
  listHolds(tenant: string): Promise<HoldRow[]>;
  /**
   * Bulk cancel, in one transaction: the matching queued and paused executions end 'cancelled'
   * (reason, stoppedBy, finishedAt = now); the matching running ones are asked to cancel.
   */
  cancelMatching(filter: CancelFilter, by: string, reason: string, now: number): Promise<StopCounts>;
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
  /** Returns executions whose lease expired to the queue, counting the expiry, never quarantining. Returns how many. */
  sweepExpiredLeases(now: number): Promise<number>;
  /**
   * The sweeper: every execution whose lease expired gets leaseExpiries + 1; it is requeued, or,
   * when that reaches policy.maxLeaseExpiries, ends 'failed' with the policy's reason and alert,
   * written in the same transaction. Without a policy it only requeues.
   */
  sweepLeases(now: number, policy?: SweepPolicy): Promise<SweepResult>;
  /** Earliest runAt of a queued execution, to sleep until then; undefined when none. */
  nextRunAt(): Promise<number | undefined>;
  /** Subscribes to wake-ups (executions queued elsewhere). Returns an unsubscribe function. */
  onWake(listener: () => void): () => void;
  /** Tells workers (in any process) that executions were queued. */
  notifyQueued(): Promise<void>;
  /**
   * Optional capability, for benchmarks: a monotonic count of the statements this store has sent
   * since it opened. PostgreSQL: every query sent to the server on the pool's connections (one
   * round trip each, BEGIN, COMMIT and ROLLBACK included; not the LISTEN connection, not the
   * connection handshake). SQLite: statements executed, BEGIN/COMMIT included; in-process calls,
   * not network round trips.
   */
  statementCount?(): number;
}

export type { Json };
