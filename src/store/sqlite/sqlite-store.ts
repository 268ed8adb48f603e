// The embedded store: one SQLite file in WAL mode, one connection, one process.
// better-sqlite3 is synchronous; the port is async, so every operation runs under one mutex and
// a transaction is BEGIN IMMEDIATE ... COMMIT around the caller's async function.
import Database from 'better-sqlite3';
import { StaleLeaseError, SwitchyardError } from '../../errors.js';
import { TenantRotation } from '../claim-fairness.js';
import { loopGuardFacts, type LoopGuardFactRow } from '../loop-guard-facts.js';
import { assembleContexts, contextKeys } from '../execution-contexts.js';
import { Savepoints } from '../savepoints.js';
import { checkCompleteSteps } from '../complete-steps.js';
import { RecordLocks } from '../record-locks.js';
import type { ExecutionContextRow, ExecutionUpdate, Quarantined, Store, StoreCapabilities, StoreTx, SweepPolicy, SweepResult, TransactionOptions } from '../port.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, ExecutionRow, ExecutionStatus, Lease, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import type { ClaimOptions, ExecutionFilter } from '../types.js';
import { MIGRATIONS } from './migrations/index.js';
import { Q } from './queries.js';
import * as map from './rows.js';

type Params = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = { multiProcess: false };
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Operations waiting for the connection: interactive ones (a user waits) go first. */
  private readonly waiting: { interactive: (() => Promise<void>)[]; background: (() => Promise<void>)[] } = { interactive: [], background: [] };
  private busy = false;
  private readonly wakeListeners = new Set<() => void>();
  private readonly tenantRotation = new TenantRotation();
  /** Statements executed so far (statementCount). */
  private statementsRun = 0;
  /** The savepoints of the transaction in progress (one at a time: the mutex). */
  private savepoints = this.newSavepoints();
  /** The records the transaction in progress locked through lockRecords (a new cache per transaction). */
  private locks = new RecordLocks();

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Fewer, larger WAL checkpoints and a 64 MiB page cache: measured +25% executions/s (bench/RESULTS.md).
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('foreign_keys = ON');
    // Count the BEGIN and COMMIT (or ROLLBACK) that the driver's transaction wrapper runs around
    // each call: it runs them itself, not through stmt().
    const transaction = this.db.transaction.bind(this.db);
    this.db.transaction = ((fn: (...args: unknown[]) => unknown) => transaction((...args: unknown[]) => {
      this.statementsRun += 2;
      return fn(...args);
    })) as typeof this.db.transaction;
  }

  /** Statements executed since the store opened (BEGIN/COMMIT included): in-process calls, not round trips. */
  statementCount(): number {
    return this.statementsRun;
  }

  /** Runs statements without parameters (transaction control), counting each. */
  private exec(...statements: string[]): void {
    for (const sql of statements) {
      this.statementsRun++;
      this.db.exec(sql);
    }
  }

  private newSavepoints(): Savepoints {
    return new Savepoints((statements) => {
      // SQLite already rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR...): running
      // SAVEPOINT now would start a new transaction in its place, so fail instead.
      if (!this.db.inTransaction) throw new SwitchyardError('INTERNAL', 'the transaction was rolled back by SQLite');
      this.exec(...statements);
    });
  }

  private stmt(sql: string): Database.Statement {
    this.statementsRun++;
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private all<T>(sql: string, params: Params = {}): T[] {
    return this.stmt(sql).all(params) as T[];
  }

  private get<T>(sql: string, params: Params = {}): T | undefined {
    return this.stmt(sql).get(params) as T | undefined;
  }

  private run(sql: string, params: Params = {}): number {
    return this.stmt(sql).run(params).changes;
  }

  /**
   * Serializes every operation: one connection must never interleave a read into an open
   * transaction. better-sqlite3 never yields, so background work (the worker's reads and
   * checkpoints) is started from setImmediate: pending I/O, such as an HTTP request for a record
   * write, gets a turn between any two operations, and interactive writes run before queued
   * background ones. A write's latency then stays flat however much work its triggers queue.
   */
  private exclusive<T>(fn: () => Promise<T> | T, interactive = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (interactive ? this.waiting.interactive : this.waiting.background).push(async () => {
        try {
          resolve(await fn());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const interactive = this.waiting.interactive.shift();
    if (interactive) return this.start(interactive);
    if (this.waiting.background.length === 0) return;
    this.busy = true;
    setImmediate(() => {
      this.busy = false;
      const task = this.waiting.interactive.shift() ?? this.waiting.background.shift();
      if (task) this.start(task);
    });
  }

  private start(task: () => Promise<void>): void {
    this.busy = true;
    void task().finally(() => {
      this.busy = false;
      this.next();
    });
  }

  migrate(toVersion = Infinity): Promise<void> {
    return this.exclusive(() => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as { version: number }).version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version) || m.version > toVersion) continue;
        this.db.transaction(() => {
          this.db.exec(m.sql);
          this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
        })();
      }
    });
  }

  close(): Promise<void> {
    return this.exclusive(() => {
      this.db.close();
    });
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      this.exec('BEGIN IMMEDIATE');
      this.savepoints = this.newSavepoints();
      this.locks = new RecordLocks();
      try {
        const result = await fn(this.tx);
        this.savepoints.assertUsable();
        this.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.exec('ROLLBACK');
        throw error;
      }
    }, options.interactive === true);
  }

  private readonly tx: StoreTx = {
    getRecordForUpdate: async (tenant, type, id) => {
      const cached = this.locks.get(tenant, type, id);
      if (cached.hit) return cached.row;
      const row = this.get<map.RecordSql>(Q.getRecord, { tenant, type, id });
      return row && map.record(row);
    },
    insertRecord: async (row) => {
      try {
        this.run(Q.insertRecord, map.recordParams(row));
      } catch (error) {
        // The engine must not need the driver's error codes: a duplicate is RECORD_EXISTS on both stores.
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new SwitchyardError('RECORD_EXISTS', `${row.type} ${row.id} exists`, { cause: error });
        }
        throw error;
      }
      this.locks.inserted(row);
    },
    updateRecord: async (row, expectedVersion) => {
      const updated = this.run(Q.updateRecord, { ...map.recordParams(row), expectedVersion }) === 1;
      if (updated) this.locks.updated(row);
      return updated;
    },
    deleteRecord: async (tenant, type, id, expectedVersion) => {
      const deleted = this.run(Q.deleteRecord, { tenant, type, id, expectedVersion }) === 1;
      if (deleted) this.locks.deleted(tenant, type, id);
      return deleted;
    },
    lockRecords: async (keys) => {
      // BEGIN IMMEDIATE already holds the write lock: reading is locking. One statement, as PostgreSQL.
      const missing = this.locks.missing(keys);
      if (missing.length === 0) return;
      const found = this.all<map.RecordSql>(Q.contextRecords, { keys: JSON.stringify(missing.map((k) => [k.tenant, k.type, k.id])) });
      this.locks.locked(missing, found.map(map.record));
    },
    appendChange: async (change) => {
      this.run(Q.appendChange, map.changeParams(change));
    },
    insertExecutions: async (rows) => {
      let inserted = 0;
      for (const row of rows) inserted += this.run(map.namesOccurrenceKind(row) ? Q.insertExecutionOfKind : Q.insertExecution, map.executionParams(row));
      return inserted;
    },
    getCatalogRevision: async (tenant) => this.revision(tenant),
    bumpCatalogRevision: async (tenant) => (this.get<{ revision: number }>(Q.bumpRevision, { tenant }) as { revision: number }).revision,
    getWorkflow: async (tenant, workflowId) => {
      const row = this.get<map.WorkflowSql>(Q.getWorkflow, { tenant, workflowId });
      return row && map.workflow(row);
    },
    getLatestVersion: async (tenant, workflowId) => {
      const row = this.get<map.VersionSql>(Q.getLatestVersion, { tenant, workflowId });
      return row && map.version(row);
    },
    insertWorkflowVersion: async (row) => {
      this.run(Q.insertVersion, { ...row, definition: JSON.stringify(row.definition) });
    },
    upsertWorkflow: async (row) => {
      this.run(Q.upsertWorkflow, { ...row, enabled: row.enabled ? 1 : 0 });
    },
    checkLease: async (lease) => {
      if (!this.get(Q.checkLease, { id: lease.executionId, attempt: lease.attempt })) {
        throw new StaleLeaseError(lease.executionId, lease.attempt);
      }
    },
    saveStep: async (step) => {
      this.run(Q.saveStep, map.stepParams(step));
      this.run(Q.resetLeaseExpiries, { id: step.executionId });
    },
    finishExecution: async (lease, update) => this.finish(lease, update),
    completeSteps: async (items) => {
      checkCompleteSteps(items);
      // No round trips here: prepared statements per item, fenced as finish is. A finish clears
      // lease_expiries, so the step needs no reset of its own.
      const completed: string[] = [];
      for (const { lease, step, finishedAt } of items) {
        const held = this.run(Q.finish, {
          id: lease.executionId, attempt: lease.attempt, status: 'succeeded', reason: null, finishedAt, runAt: null, waitingOn: null,
        }) === 1;
        if (!held) continue;
        this.run(Q.saveStep, map.stepParams(step));
        completed.push(lease.executionId);
      }
      return completed;
    },
    loopGuardFacts: async (q) => loopGuardFacts(this.all<LoopGuardFactRow>(Q.loopGuardFacts, {
      tenant: q.tenant, rootChangeId: q.root?.changeId ?? null, countUpTo: q.root?.countUpTo ?? 0,
      recordType: q.recordType, recordId: q.recordId, workflowIds: JSON.stringify(q.workflowIds),
    })),
    insertAlert: async (a) => {
      this.run(Q.insertAlert, { ...a, details: JSON.stringify(a.details) });
    },
    insertAlerts: async (alerts) => {
      for (const a of alerts) this.run(Q.insertAlert, { ...a, details: JSON.stringify(a.details) });
    },
    getEffect: async (tenant, key) => {
      const row = this.get<map.EffectSql>(Q.getEffect, { tenant, key });
      return row && map.effect(row);
    },
    saveEffect: async (e) => {
      this.run(Q.saveEffect, { ...e, result: JSON.stringify(e.result) });
    },
    recordAttempt: async (a) => {
      this.run(Q.recordAttempt, { ...a, retryable: a.retryable ? 1 : 0 });
    },
    getBreaker: async (tenant, key) => {
      const row = this.get<map.BreakerSql>(Q.getBreaker, { tenant, key });
      return row && map.breaker(row);
    },
    putBreaker: async (b) => {
      this.run(Q.putBreaker, { ...b, state: JSON.stringify(b.state) });
    },
    savepoint: async (fn) => {
      try {
        return await this.savepoints.run(fn);
      } catch (error) {
        this.locks.clear(); // rolled back: cached rows may hold the undone writes
        throw error;
      }
    },
  };

  private finish(lease: Lease, update: ExecutionUpdate): void {
    const changed = this.run(Q.finish, {
      id: lease.executionId,
      attempt: lease.attempt,
      status: update.status,
      reason: update.reason ?? null,
      finishedAt: update.finishedAt ?? null,
      runAt: update.runAt ?? null,
      waitingOn: update.waitingOn ?? null,
    });
    if (changed !== 1) throw new StaleLeaseError(lease.executionId, lease.attempt);
  }

  private revision(tenant: string): number {
    return this.get<{ revision: number }>(Q.getRevision, { tenant })?.revision ?? 0;
  }

  getRecord(tenant: string, type: string, id: string): Promise<RecordRow | undefined> {
    return this.exclusive(() => {
      const row = this.get<map.RecordSql>(Q.getRecord, { tenant, type, id });
      return row && map.record(row);
    });
  }

  listRecords(tenant: string, type: string, limit: number, afterId = ''): Promise<RecordRow[]> {
    return this.exclusive(() => this.all<map.RecordSql>(Q.listRecords, { tenant, type, limit, after: afterId }).map(map.record));
  }

  listChanges(tenant: string, type: string, recordId: string): Promise<ChangeRow[]> {
    return this.exclusive(() => this.all<map.ChangeSql>(Q.listChanges, { tenant, type, recordId }).map(map.change));
  }

  getChange(tenant: string, id: string): Promise<ChangeRow | undefined> {
    return this.exclusive(() => {
      const row = this.get<map.ChangeSql>(Q.getChange, { tenant, id });
      return row && map.change(row);
    });
  }

  listWorkflows(tenant: string): Promise<WorkflowRow[]> {
    return this.exclusive(() => this.all<map.WorkflowSql>(Q.listWorkflows, { tenant }).map(map.workflow));
  }

  listWorkflowVersions(tenant: string, workflowId: string): Promise<WorkflowVersionRow[]> {
    return this.exclusive(() => this.all<map.VersionSql>(Q.listVersions, { tenant, workflowId }).map(map.version));
  }

  getWorkflowVersion(tenant: string, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined> {
    return this.exclusive(() => {
      const row = this.get<map.VersionSql>(Q.getVersion, { tenant, workflowId, version });
      return row && map.version(row);
    });
  }

  listActiveVersions(tenant: string): Promise<WorkflowVersionRow[]> {
    return this.exclusive(() => this.all<map.VersionSql>(Q.listActiveVersions, { tenant }).map(map.version));
  }

  getCatalogRevision(tenant: string): Promise<number> {
    return this.exclusive(() => this.revision(tenant));
  }

  getExecution(tenant: string, id: string): Promise<ExecutionRow | undefined> {
    return this.exclusive(() => {
      const row = this.get<map.ExecutionSql>(Q.getExecution, { tenant, id });
      return row && map.execution(row);
    });
  }

  listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    // Fixed clauses chosen by which filters are present; values are always bound.
    const clauses = ['tenant = @tenant'];
    if (filter.status) clauses.push('status = @status');
    if (filter.workflowId) clauses.push('workflow_id = @workflowId');
    if (filter.recordType) clauses.push('record_type = @recordType');
    if (filter.recordId) clauses.push('record_id = @recordId');
    if (filter.rootChangeId) clauses.push('root_change_id = @rootChangeId');
    if (filter.before) clauses.push('seq < (SELECT seq FROM executions WHERE id = @before)');
    const sql = `SELECT * FROM executions WHERE ${clauses.join(' AND ')} ORDER BY seq DESC LIMIT @limit`;
    return this.exclusive(() => this.all<map.ExecutionSql>(sql, { ...filter, limit: filter.limit ?? 100 }).map(map.execution));
  }

  listSteps(executionId: string): Promise<StepRow[]> {
    return this.exclusive(() => this.all<map.StepSql>(Q.listSteps, { executionId }).map(map.step));
  }

  countExecutionsByStatus(tenant?: string): Promise<Partial<Record<ExecutionStatus, number>>> {
    return this.exclusive(() => {
      const rows = tenant === undefined
        ? this.all<{ status: ExecutionStatus; n: number }>(Q.countByStatus)
        : this.all<{ status: ExecutionStatus; n: number }>(Q.countByStatusForTenant, { tenant });
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    });
  }

  listAlerts(tenant: string, limit: number): Promise<AlertRow[]> {
    return this.exclusive(() => this.all<map.AlertSql>(Q.listAlerts, { tenant, limit }).map(map.alert));
  }

  listAttempts(executionId: string): Promise<AttemptRow[]> {
    return this.exclusive(() => this.all<map.AttemptSql>(Q.listAttempts, { executionId }).map(map.attempt));
  }

  /** Four statements whatever the batch size (see the port); none for an empty batch. */
  loadExecutionContexts(executions: ExecutionRow[]): Promise<Map<string, ExecutionContextRow>> {
    if (executions.length === 0) return Promise.resolve(new Map<string, ExecutionContextRow>());
    const keys = contextKeys(executions);
    return this.exclusive(() => assembleContexts(executions, {
      changes: this.all<map.ChangeSql>(Q.contextChanges, { keys: JSON.stringify(keys.changes.map((k) => [k.tenant, k.id])) })
        .map(map.change),
      records: this.all<map.RecordSql>(Q.contextRecords, { keys: JSON.stringify(keys.records.map((k) => [k.tenant, k.type, k.id])) })
        .map(map.record),
      steps: this.all<map.StepSql & { context_tenant: string }>(Q.contextSteps, {
        keys: JSON.stringify(keys.steps.map((k) => [k.tenant, k.executionId])),
      }).map((r) => ({ tenant: r.context_tenant, step: map.step(r) })),
      attempts: this.all<{ context_tenant: string; execution_id: string; step_id: string; failed: number }>(Q.contextAttempts, {
        keys: JSON.stringify(keys.attempts.map((k) => [k.tenant, k.executionId])),
      }).map((r) => ({ tenant: r.context_tenant, executionId: r.execution_id, stepId: r.step_id, failed: r.failed })),
    }));
  }

  listBreakers(tenant: string): Promise<BreakerRow[]> {
    return this.exclusive(() => this.all<map.BreakerSql>(Q.listBreakers, { tenant }).map(map.breaker));
  }

  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined> {
    return this.exclusive(() => {
      const row = this.get<map.BreakerSql>(Q.getBreaker, { tenant, key });
      return row && map.breaker(row);
    });
  }

  requeueExecutions(tenant: string, ids: string[], from: ExecutionStatus[], now: number): Promise<string[]> {
    return this.exclusive(() => this.db.transaction(() =>
      ids.filter((id) => this.get(Q.requeue, { tenant, id, from: JSON.stringify(from), now })))());
  }

  releaseWaiting(tenant: string, waitingOn: string, now: number): Promise<number> {
    return this.exclusive(() => this.run(Q.releaseWaiting, { tenant, waitingOn, now }));
  }

  cancelExecutions(tenant: string, ids: string[], from: ExecutionStatus[], reason: string, now: number): Promise<string[]> {
    return this.exclusive(() => this.db.transaction(() =>
      ids.filter((id) => this.get(Q.cancel, { tenant, id, from: JSON.stringify(from), reason, now })))());
  }

  claimExecutions(options: ClaimOptions): Promise<ExecutionRow[]> {
    return this.exclusive(() =>
      this.db.transaction(() => {
        // A suspect (its lease ran out without a checkpoint) runs alone: only a caller with nothing
        // in flight gets one, and then nothing else (see ClaimOptions.busy).
        if (options.limit <= 0) return [];
        const suspect = options.busy ? undefined : this.get<map.ExecutionSql>(Q.readySuspect, { now: options.now });
        if (suspect) {
          const updated = this.get<map.ExecutionSql>(Q.claim, {
            id: suspect.id, now: options.now, leaseUntil: options.now + options.leaseMs, workerId: options.workerId,
          });
          return updated ? [map.execution(updated)] : [];
        }
        // Round-robin over tenants so one tenant's backlog cannot starve another's. Tenants come
        // from the ready executions themselves (not the catalog, which a tenant may lack).
        const ready = this.all<{ tenant: string }>(Q.readyTenants, { now: options.now }).map((r) => r.tenant);
        const tenants = this.tenantRotation.pick(ready, options.limit);
        const perTenant = tenants.map((tenant) =>
          this.all<map.ExecutionSql>(Q.readyForTenant, { tenant, now: options.now, limit: options.limit * 2 }));
        const lanes = new Set<string>();
        const claimed: ExecutionRow[] = [];
        for (let i = 0; claimed.length < options.limit; i++) {
          let any = false;
          for (const rows of perTenant) {
            const row = rows[i];
            if (!row) continue;
            any = true;
            if (lanes.has(row.lane) || claimed.length >= options.limit) continue;
            lanes.add(row.lane);
            if (row.lease_expiries > 0) continue; // a suspect heads this lane: never in a batch
            const updated = this.get<map.ExecutionSql>(Q.claim, {
              id: row.id, now: options.now, leaseUntil: options.now + options.leaseMs, workerId: options.workerId,
            });
            if (updated) claimed.push(map.execution(updated));
          }
          if (!any) break;
        }
        return claimed;
      })(),
    );
  }

  heartbeat(workerId: string, leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    return this.exclusive(() =>
      this.db.transaction(() =>
        leases
          .filter((l) => this.run(Q.heartbeat, { id: l.executionId, attempt: l.attempt, workerId, leaseUntil: now + leaseMs }) === 0)
          .map((l) => l.executionId),
      )(),
    );
  }

  async sweepExpiredLeases(now: number): Promise<number> {
    return (await this.sweepLeases(now)).requeued;
  }

  sweepLeases(now: number, policy?: SweepPolicy): Promise<SweepResult> {
    const maxExpiries = policy?.maxLeaseExpiries ?? Number.MAX_SAFE_INTEGER;
    return this.exclusive(() => this.db.transaction(() => {
      // Read the ones that reach the threshold first: the requeue below counts the others' expiry.
      const poisoned = this.all<map.ExecutionSql>(Q.expiredAtThreshold, { now, maxExpiries });
      const requeued = this.run(Q.sweep, { now, maxExpiries });
      const quarantined: Quarantined[] = [];
      for (const row of poisoned) {
        const exec = map.execution(row);
        const { reason, alert } = (policy as SweepPolicy).quarantine({ ...exec, leaseExpiries: exec.leaseExpiries + 1 }, now);
        const failed = this.get<map.ExecutionSql>(Q.quarantine, { id: exec.id, reason, now });
        if (!failed) continue;
        this.run(Q.insertAlert, { ...alert, details: JSON.stringify(alert.details) });
        quarantined.push({ execution: map.execution(failed), alert });
      }
      return { requeued, quarantined };
    })());
  }

  nextRunAt(): Promise<number | undefined> {
    return this.exclusive(() => this.get<{ at: number | null }>(Q.nextRunAt)?.at ?? undefined);
  }

  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  notifyQueued(): Promise<void> {
    for (const listener of this.wakeListeners) listener();
    return Promise.resolve();
  }
}

export type { NewExecution };
