// The embedded store: one SQLite file in WAL mode, one connection, one process.
// The driver (node:sqlite) is synchronous; the port is async, so every operation runs under one mutex and
// a transaction is BEGIN IMMEDIATE ... COMMIT around the caller's async function.
// The files and the one-connection queue: ARCHITECTURE.md beside this file.
import { TenantRotation } from '../claim-fairness.js';
import { assembleContexts, contextKeys } from '../execution-contexts.js';
import type { ExecutionContextRow, Store, StoreCapabilities, StoreTx, SweepPolicy, SweepResult, TransactionOptions } from '../port.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, ExecutionRow, ExecutionStatus, Lease, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import type { ClaimOptions, ConditionStatsRow, ExecutionFilter } from '../types.js';
import * as stats from './condition-stats.js';
import { claimExecutions, heartbeat, sweepLeases } from './claim.js';
import { SqliteConnection } from './connection.js';
import type { SqliteDriverName } from './driver.js';
import { MIGRATIONS } from './migrations/index.js';
import { Q } from './queries.js';
import { SqliteTimers } from './timers.js';
import type { FieldIndex, RecordFilterQuery, RecordQuery } from '../../records/record-query.js';
import { countRecordsSql, createFieldIndexSql, distinctIndexes, fieldIndexName, findRecordsSql } from '../record-search-sql.js';
import { namedParams, sqliteRecordDialect } from './record-search.js';
import * as map from './rows.js';
import * as stops from './stops.js';
import * as objectTypes from './object-types.js';
import type { ObjectTypeVersionRow } from '../../domain/object-type-versions.js';
import type { CancelFilter, HoldRow, ReleaseResult, StopCounts } from '../stops.js';
import { catalogRevision, runTransaction } from './tx.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** SQLite driver (driver.ts): node:sqlite, the only one. */
  driver?: SqliteDriverName;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = { multiProcess: false };
  /** Reads of schedules, timers and skipped fires (timers.ts). */
  get timers(): SqliteTimers {
    return new SqliteTimers(this.conn);
  }
  private readonly conn: SqliteConnection;
  private readonly wakeListeners = new Set<() => void>();
  private readonly tenantRotation = new TenantRotation();

  constructor(options: SqliteStoreOptions) {
    this.conn = new SqliteConnection(options.path, options.driver);
  }

  /** Statements executed since the store opened (BEGIN/COMMIT included): in-process calls, not round trips. */
  statementCount(): number {
    return this.conn.statementCount();
  }

  migrate(toVersion = Infinity): Promise<void> {
    return this.conn.exclusive(() => {
      const db = this.conn.db;
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const applied = new Set(db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as { version: number }).version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version) || m.version > toVersion) continue;
        this.conn.atomic(() => {
          db.exec(m.sql);
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)').run({ version: m.version, name: m.name, at: Date.now() });
        });
      }
    });
  }

  close(): Promise<void> {
    return this.conn.exclusive(() => this.conn.close());
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.conn.exclusive(() => runTransaction(this.conn, fn), options.interactive === true);
  }

  getRecord(tenant: string, type: string, id: string): Promise<RecordRow | undefined> {
    return this.conn.exclusive(() => {
      const row = this.conn.get<map.RecordSql>(Q.getRecord, { tenant, type, id });
      return row && map.record(row);
    });
  }

  listRecords(tenant: string, type: string, limit: number, afterId = ''): Promise<RecordRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.RecordSql>(Q.listRecords, { tenant, type, limit, after: afterId }).map(map.record));
  }

  findRecords(query: RecordQuery): Promise<RecordRow[]> {
    const sql = findRecordsSql(query, sqliteRecordDialect);
    return this.conn.exclusive(() => this.conn.all<map.RecordSql>(sql.text, namedParams(sql)).map(map.record));
  }

  countRecords(query: RecordFilterQuery): Promise<number> {
    const sql = countRecordsSql(query, sqliteRecordDialect);
    return this.conn.exclusive(() => this.conn.get<{ n: number }>(sql.text, namedParams(sql))?.n ?? 0);
  }

  ensureFieldIndexes(indexes: readonly FieldIndex[]): Promise<string[]> {
    return this.conn.exclusive(() => {
      const created: string[] = [];
      for (const index of distinctIndexes(indexes)) {
        const name = fieldIndexName(index);
        if (this.conn.get(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = @name`, { name })) continue;
        this.conn.exec(createFieldIndexSql(index, sqliteRecordDialect));
        created.push(name);
      }
      return created;
    });
  }

  listChanges(tenant: string, type: string, recordId: string): Promise<ChangeRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.ChangeSql>(Q.listChanges, { tenant, type, recordId }).map(map.change));
  }

  listRecentChanges(tenant: string, type: string, recordId: string, limit: number): Promise<ChangeRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.ChangeSql>(Q.listRecentChanges, { tenant, type, recordId, limit }).map(map.change));
  }

  getChange(tenant: string, id: string): Promise<ChangeRow | undefined> {
    return this.conn.exclusive(() => {
      const row = this.conn.get<map.ChangeSql>(Q.getChange, { tenant, id });
      return row && map.change(row);
    });
  }

  listWorkflows(tenant: string): Promise<WorkflowRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.WorkflowSql>(Q.listWorkflows, { tenant }).map(map.workflow));
  }

  listWorkflowVersions(tenant: string, workflowId: string): Promise<WorkflowVersionRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.VersionSql>(Q.listVersions, { tenant, workflowId }).map(map.version));
  }

  getWorkflowVersion(tenant: string, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined> {
    return this.conn.exclusive(() => {
      const row = this.conn.get<map.VersionSql>(Q.getVersion, { tenant, workflowId, version });
      return row && map.version(row);
    });
  }

  listActiveVersions(tenant: string): Promise<WorkflowVersionRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.VersionSql>(Q.listActiveVersions, { tenant }).map(map.version));
  }

  getCatalogRevision(tenant: string): Promise<number> {
    return this.conn.exclusive(() => catalogRevision(this.conn, tenant));
  }

  getExecution(tenant: string, id: string): Promise<ExecutionRow | undefined> {
    return this.conn.exclusive(() => {
      const row = this.conn.get<map.ExecutionSql>(Q.getExecution, { tenant, id });
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
    return this.conn.exclusive(() => this.conn.all<map.ExecutionSql>(sql, { ...filter, limit: filter.limit ?? 100 }).map(map.execution));
  }

  listSteps(executionId: string): Promise<StepRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.StepSql>(Q.listSteps, { executionId }).map(map.step));
  }

  countExecutionsByStatus(tenant?: string): Promise<Partial<Record<ExecutionStatus, number>>> {
    return this.conn.exclusive(() => {
      const rows = tenant === undefined
        ? this.conn.all<{ status: ExecutionStatus; n: number }>(Q.countByStatus)
        : this.conn.all<{ status: ExecutionStatus; n: number }>(Q.countByStatusForTenant, { tenant });
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    });
  }

  listAlerts(tenant: string, limit: number): Promise<AlertRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.AlertSql>(Q.listAlerts, { tenant, limit }).map(map.alert));
  }

  listAttempts(executionId: string): Promise<AttemptRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.AttemptSql>(Q.listAttempts, { executionId }).map(map.attempt));
  }

  /** Four statements whatever the batch size (see the port); none for an empty batch. */
  loadExecutionContexts(executions: ExecutionRow[]): Promise<Map<string, ExecutionContextRow>> {
    if (executions.length === 0) return Promise.resolve(new Map<string, ExecutionContextRow>());
    const keys = contextKeys(executions);
    return this.conn.exclusive(() => assembleContexts(executions, {
      changes: this.conn.all<map.ChangeSql>(Q.contextChanges, { keys: JSON.stringify(keys.changes.map((k) => [k.tenant, k.id])) })
        .map(map.change),
      records: this.conn.all<map.RecordSql>(Q.contextRecords, { keys: JSON.stringify(keys.records.map((k) => [k.tenant, k.type, k.id])) })
        .map(map.record),
      steps: this.conn.all<map.StepSql & { context_tenant: string }>(Q.contextSteps, {
        keys: JSON.stringify(keys.steps.map((k) => [k.tenant, k.executionId])),
      }).map((r) => ({ tenant: r.context_tenant, step: map.step(r) })),
      attempts: this.conn.all<{ context_tenant: string; execution_id: string; step_id: string; failed: number }>(Q.contextAttempts, {
        keys: JSON.stringify(keys.attempts.map((k) => [k.tenant, k.executionId])),
      }).map((r) => ({ tenant: r.context_tenant, executionId: r.execution_id, stepId: r.step_id, failed: r.failed })),
    }));
  }

  listBreakers(tenant: string): Promise<BreakerRow[]> {
    return this.conn.exclusive(() => this.conn.all<map.BreakerSql>(Q.listBreakers, { tenant }).map(map.breaker));
  }

  listConditionStats(tenant: string, workflowId: string): Promise<ConditionStatsRow[]> {
    return stats.listConditionStats(this.conn, tenant, workflowId);
  }

  addConditionStats(deltas: ConditionStatsRow[], now: number): Promise<void> {
    return stats.addConditionStats(this.conn, deltas, now);
  }

  getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined> {
    return this.conn.exclusive(() => {
      const row = this.conn.get<map.BreakerSql>(Q.getBreaker, { tenant, key });
      return row && map.breaker(row);
    });
  }

  requeueExecutions(tenant: string, ids: string[], from: ExecutionStatus[], now: number): Promise<string[]> {
    return this.conn.exclusive(() => this.conn.atomic(() =>
      ids.filter((id) => this.conn.get(Q.requeue, { tenant, id, from: JSON.stringify(from), now }))));
  }

  releaseWaiting(tenant: string, waitingOn: string, now: number): Promise<number> {
    return this.conn.exclusive(() => this.conn.run(Q.releaseWaiting, { tenant, waitingOn, now }));
  }

  hold(h: HoldRow): Promise<{ hold: HoldRow; counts: StopCounts }> {
    return this.conn.exclusive(() => stops.hold(this.conn, h));
  }

  releaseHold(tenant: string, workflowId: string, now: number): Promise<ReleaseResult> {
    return this.conn.exclusive(() => stops.releaseHold(this.conn, tenant, workflowId, now));
  }

  listHolds(tenant: string): Promise<HoldRow[]> {
    return this.conn.exclusive(() => stops.listHolds(this.conn, tenant));
  }

  listObjectTypeVersions(tenant: string, type?: string): Promise<ObjectTypeVersionRow[]> {
    return this.conn.exclusive(() => objectTypes.listObjectTypeVersions(this.conn, tenant, type));
  }

  listCurrentObjectTypes(tenant: string): Promise<ObjectTypeVersionRow[]> {
    return this.conn.exclusive(() => objectTypes.listCurrentObjectTypes(this.conn, tenant));
  }

  insertObjectTypeVersion(row: ObjectTypeVersionRow): Promise<boolean> {
    return this.conn.exclusive(() => objectTypes.insertObjectTypeVersion(this.conn, row));
  }

  cancelMatching(filter: CancelFilter, by: string, reason: string, now: number): Promise<StopCounts> {
    return this.conn.exclusive(() => stops.cancelMatching(this.conn, filter, by, reason, now));
  }

  cancelExecutions(tenant: string, ids: string[], from: ExecutionStatus[], reason: string, now: number): Promise<string[]> {
    return this.conn.exclusive(() => this.conn.atomic(() =>
      ids.filter((id) => this.conn.get(Q.cancel, { tenant, id, from: JSON.stringify(from), reason, now }))));
  }

  claimExecutions(options: ClaimOptions): Promise<ExecutionRow[]> {
    return this.conn.exclusive(() => claimExecutions(this.conn, options, this.tenantRotation));
  }

  heartbeat(workerId: string, leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    return this.conn.exclusive(() => heartbeat(this.conn, workerId, leases, now, leaseMs));
  }

  async sweepExpiredLeases(now: number): Promise<number> {
    return (await this.sweepLeases(now)).requeued;
  }

  sweepLeases(now: number, policy?: SweepPolicy): Promise<SweepResult> {
    return this.conn.exclusive(() => sweepLeases(this.conn, now, policy));
  }

  nextRunAt(): Promise<number | undefined> {
    return this.conn.exclusive(() => this.conn.get<{ at: number | null }>(Q.nextRunAt)?.at ?? undefined);
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
