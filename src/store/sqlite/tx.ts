// StoreTx over the one connection inside BEGIN IMMEDIATE ... COMMIT, around the caller's async
// function. The caller holds the connection's queue (SqliteConnection.exclusive) throughout.
import { StaleLeaseError, SwitchyardError } from '../../errors.js';
import type { CompleteStep, ExecutionUpdate, LoopGuardFacts, LoopGuardQuery, RecordKey, StoreTx } from '../port.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, EffectRow, Lease, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import { loopGuardFacts, type LoopGuardFactRow } from '../loop-guard-facts.js';
import { Savepoints } from '../savepoints.js';
import { checkCompleteSteps } from '../complete-steps.js';
import { RecordLocks } from '../record-locks.js';
import type { SqliteConnection } from './connection.js';
import { Q } from './queries.js';
import { SqliteTimersTx } from './timers.js';
import * as map from './rows.js';
import { STOP_Q } from './stops.js';
import { stopRequestOf, type LeaseCheckRow } from '../stops.js';
import type { StopRequest } from '../stops.js';

/** BEGIN IMMEDIATE; fn(tx); COMMIT, or ROLLBACK when fn throws. Call it under conn.exclusive. */
export async function runTransaction<T>(conn: SqliteConnection, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
  conn.exec('BEGIN IMMEDIATE');
  const tx = new SqliteTx(conn);
  try {
    const result = await fn(tx);
    tx.assertCommittable();
    conn.exec('COMMIT');
    return result;
  } catch (error) {
    if (conn.inTransaction) conn.exec('ROLLBACK');
    throw error;
  }
}

/** The tenant's catalog revision (0 before its first deploy). */
export function catalogRevision(conn: SqliteConnection, tenant: string): number {
  return conn.get<{ revision: number }>(Q.getRevision, { tenant })?.revision ?? 0;
}

export class SqliteTx implements StoreTx {
  /** The savepoints of this transaction (one transaction at a time: the connection's queue). */
  private readonly savepoints = new Savepoints((statements) => {
    // SQLite already rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR...): running
    // SAVEPOINT now would start a new transaction in its place, so fail instead.
    if (!this.conn.inTransaction) throw new SwitchyardError('INTERNAL', 'the transaction was rolled back by SQLite');
    this.conn.exec(...statements);
  });

  /** The records this transaction locked through lockRecords (a new cache per transaction). */
  private readonly locks = new RecordLocks();

  constructor(private readonly conn: SqliteConnection) {}

  /** Time triggers (sqlite/timers.ts). */
  get timers(): SqliteTimersTx {
    this.timersTx ??= new SqliteTimersTx(this.conn);
    return this.timersTx;
  }

  private timersTx: SqliteTimersTx | undefined;

  /** Throws when a savepoint could not be rolled back, so that such a transaction never commits. */
  assertCommittable(): void {
    this.savepoints.assertUsable();
  }

  async getRecordForUpdate(tenant: string, type: string, id: string): Promise<RecordRow | undefined> {
    const cached = this.locks.get(tenant, type, id);
    if (cached.hit) return cached.row;
    const row = this.conn.get<map.RecordSql>(Q.getRecord, { tenant, type, id });
    return row && map.record(row);
  }

  async insertRecord(row: RecordRow): Promise<void> {
    try {
      this.conn.run(Q.insertRecord, map.recordParams(row));
    } catch (error) {
      // The engine must not need the driver's error codes: a duplicate is RECORD_EXISTS on both stores.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new SwitchyardError('RECORD_EXISTS', `${row.type} ${row.id} exists`, { cause: error });
      }
      throw error;
    }
    this.locks.inserted(row);
  }

  async updateRecord(row: RecordRow, expectedVersion: number): Promise<boolean> {
    const updated = this.conn.run(Q.updateRecord, { ...map.recordParams(row), expectedVersion }) === 1;
    if (updated) this.locks.updated(row);
    return updated;
  }

  async deleteRecord(tenant: string, type: string, id: string, expectedVersion: number): Promise<boolean> {
    const deleted = this.conn.run(Q.deleteRecord, { tenant, type, id, expectedVersion }) === 1;
    if (deleted) this.locks.deleted(tenant, type, id);
    return deleted;
  }

  async lockRecords(keys: RecordKey[]): Promise<void> {
    // BEGIN IMMEDIATE already holds the write lock: reading is locking. One statement, as PostgreSQL.
    const missing = this.locks.missing(keys);
    if (missing.length === 0) return;
    const found = this.conn.all<map.RecordSql>(Q.contextRecords, { keys: JSON.stringify(missing.map((k) => [k.tenant, k.type, k.id])) });
    this.locks.locked(missing, found.map(map.record));
  }

  async appendChange(change: ChangeRow): Promise<void> {
    this.conn.run(Q.appendChange, map.changeParams(change));
  }

  async insertExecutions(rows: NewExecution[]): Promise<number> {
    let inserted = 0;
    for (const row of rows) {
      const added = this.conn.run(map.namesOccurrenceKind(row) ? Q.insertExecutionOfKind : Q.insertExecution, map.executionParams(row));
      // Queued while held (store/stops.ts): who holds it. Only then a statement on migration 7's columns.
      if (added === 1 && row.status === 'paused') this.conn.run(STOP_Q.markHeld, { id: row.id, stoppedBy: row.stoppedBy ?? null, stopReason: row.stopReason ?? null });
      inserted += added;
    }
    return inserted;
  }

  async getCatalogRevision(tenant: string): Promise<number> {
    return catalogRevision(this.conn, tenant);
  }

  async bumpCatalogRevision(tenant: string): Promise<number> {
    return (this.conn.get<{ revision: number }>(Q.bumpRevision, { tenant }) as { revision: number }).revision;
  }

  async getWorkflow(tenant: string, workflowId: string): Promise<WorkflowRow | undefined> {
    const row = this.conn.get<map.WorkflowSql>(Q.getWorkflow, { tenant, workflowId });
    return row && map.workflow(row);
  }

  async getLatestVersion(tenant: string, workflowId: string): Promise<WorkflowVersionRow | undefined> {
    const row = this.conn.get<map.VersionSql>(Q.getLatestVersion, { tenant, workflowId });
    return row && map.version(row);
  }

  async insertWorkflowVersion(row: WorkflowVersionRow): Promise<void> {
    this.conn.run(Q.insertVersion, { ...row, definition: JSON.stringify(row.definition) });
  }

  async upsertWorkflow(row: WorkflowRow): Promise<void> {
    this.conn.run(Q.upsertWorkflow, { ...row, enabled: row.enabled ? 1 : 0 });
  }

  async checkLease(lease: Lease): Promise<StopRequest | undefined> {
    const row = this.conn.get<LeaseCheckRow>(Q.checkLease, { id: lease.executionId, attempt: lease.attempt });
    if (!row) throw new StaleLeaseError(lease.executionId, lease.attempt);
    return stopRequestOf(row);
  }

  async saveStep(step: StepRow): Promise<void> {
    this.conn.run(Q.saveStep, map.stepParams(step));
    this.conn.run(Q.resetLeaseExpiries, { id: step.executionId });
  }

  async finishExecution(lease: Lease, update: ExecutionUpdate): Promise<void> {
    this.finish(lease, update);
  }

  async completeSteps(items: CompleteStep[]): Promise<string[]> {
    checkCompleteSteps(items);
    // No round trips here: prepared statements per item, fenced as finish is. A finish clears
    // lease_expiries, so the step needs no reset of its own.
    const completed: string[] = [];
    for (const { lease, step, finishedAt } of items) {
      const held = this.conn.run(Q.finish, {
        id: lease.executionId, attempt: lease.attempt, status: 'succeeded', reason: null, finishedAt, runAt: null, waitingOn: null,
        stoppedBy: null, stopReason: null,
      }) === 1;
      if (!held) continue;
      this.conn.run(Q.saveStep, map.stepParams(step));
      completed.push(lease.executionId);
    }
    return completed;
  }

  async loopGuardFacts(q: LoopGuardQuery): Promise<LoopGuardFacts> {
    return loopGuardFacts(this.conn.all<LoopGuardFactRow>(Q.loopGuardFacts, {
      tenant: q.tenant, rootChangeId: q.root?.changeId ?? null, countUpTo: q.root?.countUpTo ?? 0,
      recordType: q.recordType, recordId: q.recordId, workflowIds: JSON.stringify(q.workflowIds),
    }));
  }

  async insertAlert(a: AlertRow): Promise<void> {
    this.conn.run(Q.insertAlert, { ...a, details: JSON.stringify(a.details) });
  }

  async insertAlerts(alerts: AlertRow[]): Promise<void> {
    for (const a of alerts) this.conn.run(Q.insertAlert, { ...a, details: JSON.stringify(a.details) });
  }

  async getEffect(tenant: string, key: string): Promise<EffectRow | undefined> {
    const row = this.conn.get<map.EffectSql>(Q.getEffect, { tenant, key });
    return row && map.effect(row);
  }

  async saveEffect(e: EffectRow): Promise<void> {
    this.conn.run(Q.saveEffect, { ...e, result: JSON.stringify(e.result) });
  }

  async recordAttempt(a: AttemptRow): Promise<void> {
    this.conn.run(Q.recordAttempt, { ...a, retryable: a.retryable ? 1 : 0 });
  }

  async getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined> {
    const row = this.conn.get<map.BreakerSql>(Q.getBreaker, { tenant, key });
    return row && map.breaker(row);
  }

  async putBreaker(b: BreakerRow): Promise<void> {
    this.conn.run(Q.putBreaker, { ...b, state: JSON.stringify(b.state) });
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.savepoints.run(fn);
    } catch (error) {
      this.locks.clear(); // rolled back: cached rows may hold the undone writes
      throw error;
    }
  }

  private finish(lease: Lease, update: ExecutionUpdate): void {
    const changed = this.conn.run(Q.finish, {
      id: lease.executionId,
      attempt: lease.attempt,
      status: update.status,
      reason: update.reason ?? null,
      finishedAt: update.finishedAt ?? null,
      runAt: update.runAt ?? null,
      waitingOn: update.waitingOn ?? null,
      stoppedBy: update.stoppedBy ?? null,
      stopReason: update.stopReason ?? null,
    });
    if (changed !== 1) throw new StaleLeaseError(lease.executionId, lease.attempt);
  }
}
