// The shared store: many engine processes on many machines, one PostgreSQL database.
// A node-postgres Pool with search_path set to the store's schema; every value is bound.
// Design notes (claims, lanes, fairness, fencing, failures): ARCHITECTURE.md beside this file.
import pg from 'pg';
import { SwitchyardError } from '../../errors.js';
import { TenantRotation } from '../claim-fairness.js';
import { assembleContexts, contextKeys } from '../execution-contexts.js';
import type { ExecutionContextRow, Store, StoreCapabilities, StoreTx, SweepPolicy, SweepResult } from '../port.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, ExecutionRow, ExecutionStatus, Lease, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import type { ClaimOptions, ConditionStatsRow, ExecutionFilter } from '../types.js';
import * as stats from './condition-stats.js';
import { claimCandidates, claimInTransaction, heartbeat, sweepInTransaction, worthATransaction, type ClaimCandidates } from './claim.js';
import { PgTimers } from './timers.js';
import { DEFAULT_RETRY, type RetryPolicy, retryIdempotent, runTransaction, SCHEMA_NAME, typeParsers } from './connection.js';
import { WakeListener } from './listener.js';
import { MIGRATIONS } from './migrations/index.js';
import { listExecutions, Q } from './queries.js';
import * as map from './rows.js';
import * as stops from './stops.js';
import * as objectTypes from './object-types.js';
import type { ObjectTypeVersionRow } from '../../domain/object-type-versions.js';
import type { CancelFilter, HoldRow, ReleaseResult, StopCounts } from '../stops.js';
import { countingClient } from './prepared.js';
import { PgTx } from './tx.js';
import type { FieldIndex, RecordFilterQuery, RecordQuery } from '../../records/record-query.js';
import { countRecordsSql, createFieldIndexSql, distinctIndexes, fieldIndexName, findRecordsSql } from '../record-search-sql.js';
import { postgresRecordDialect } from './record-search.js';

export interface PostgresStoreOptions {
  /** Connection string, e.g. postgres://user:pass@host:5432/db. */
  url: string;
  /** Schema that holds the tables; migrate() creates it. Lowercase letters, digits, '_', at most 40 characters. Default 'public'. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** How long to wait for a pooled connection before failing with STORE_UNAVAILABLE. Default 10,000 ms. */
  connectionTimeoutMs?: number;
  /** Runs of a transaction (or idempotent statement) on conflicts and lost connections, the first included. Default 5. */
  maxAttempts?: number;
  /** application_name shown in pg_stat_activity. Default 'switchyard'. */
  applicationName?: string;
  /** Connection errors absorbed by the pool (idle client killed) or the LISTEN connection (reconnecting). Default: ignored. */
  onConnectionError?: (error: Error) => void;
}

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { multiProcess: true };
  /** Reads of schedules, timers and skipped fires (timers.ts), with the same retries as other reads. */
  readonly timers = new PgTimers((text, values) => retryIdempotent(this.retry, async () => {
    const result = await this.pool.query(text, values);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }));
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;
  private readonly retry: RetryPolicy;
  private readonly channel: string;
  private readonly onConnectionError: (error: Error) => void;
  private readonly wakeListeners = new Set<() => void>();
  private listener: WakeListener | undefined;
  private readonly tenantRotation = new TenantRotation();
  private closed = false;
  /** Queries sent on the pool's connections so far (roundTrips). */
  private queriesSent = 0;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new SwitchyardError('CONFIG_INVALID', `PostgreSQL schema "${this.schema}" must match ${SCHEMA_NAME.source}`);
    }
    this.channel = `switchyard_queued_${this.schema}`;
    this.retry = { ...DEFAULT_RETRY, attempts: options.maxAttempts ?? DEFAULT_RETRY.attempts };
    this.onConnectionError = options.onConnectionError ?? (() => undefined);
    this.clientConfig = {
      connectionString: options.url,
      options: `-c search_path=${this.schema}`,
      application_name: options.applicationName ?? 'switchyard',
      keepAlive: true,
      types: typeParsers,
    };
    this.pool = new pg.Pool({
      ...this.clientConfig,
      Client: countingClient(() => {
        this.queriesSent++;
      }),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    });
    // An idle client whose backend died (pg_terminate_backend, restart) is dropped by the pool;
    // without this listener the 'error' event would crash the process.
    this.pool.on('error', (error) => this.onConnectionError(error));
  }

  private async rows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return retryIdempotent(this.retry, async () => (await this.pool.query<T>(text, values)).rows);
  }

  private async one<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T | undefined> {
    return (await this.rows<T>(text, values))[0];
  }

  async migrate(toVersion = Infinity): Promise<void> {
    await runTransaction(this.pool, this.retry, async (client) => {
      // Several processes may start at once: one migrates, the others wait here, then find nothing to do.
      await client.query(Q.migrationLock, [this.schema]);
      // Only create what is missing: CREATE SCHEMA checks the CREATE privilege on the database even
      // when the schema exists, and a least-privileged role may not have it.
      if ((await client.query(Q.schemaExists, [this.schema])).rowCount === 0) await client.query(`CREATE SCHEMA ${this.schema}`);
      await client.query(Q.createMigrationsTable);
      const applied = new Set((await client.query<{ version: number }>(Q.appliedMigrations)).rows.map((r) => r.version));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version) || migration.version > toVersion) continue;
        await client.query(migration.sql);
        await client.query(Q.recordMigration, [migration.version, migration.name]);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    this.wakeListeners.clear();
    await listener?.stop();
    await this.pool.end();
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return runTransaction(this.pool, this.retry, async (client) => {
      const tx = new PgTx(client);
      const result = await fn(tx);
      tx.assertCommittable();
      // Writes deferred by tx.deferWrites go out before COMMIT; an error there rolls back as fn's would.
      await tx.flush();
      return result;
    });
  }

  /**
   * Every query sent to the server on the pool's connections since the store opened, BEGIN,
   * COMMIT and ROLLBACK included (monotonic). Not counted: the LISTEN connection (wake-ups) and
   * the connection handshake.
   */
  roundTrips(): number {
    return this.queriesSent;
  }

  /** The port's name for roundTrips(). */
  statementCount(): number {
    return this.queriesSent;
  }

  async getRecord(tenant: string, type: string, id: string): Promise<RecordRow | undefined> {
    const row = await this.one<map.RecordSql>(Q.getRecord, [tenant, type, id]);
    return row && map.record(row);
  }

  async listRecords(tenant: string, type: string, limit: number, afterId = ''): Promise<RecordRow[]> {
    return (await this.rows<map.RecordSql>(Q.listRecords, [tenant, type, afterId, limit])).map(map.record);
  }

  async findRecords(query: RecordQuery): Promise<RecordRow[]> {
    const sql = findRecordsSql(query, postgresRecordDialect);
    return (await this.rows<map.RecordSql>(sql.text, sql.values)).map(map.record);
  }

  async countRecords(query: RecordFilterQuery): Promise<number> {
    const sql = countRecordsSql(query, postgresRecordDialect);
    return Number((await this.one<{ n: string | number }>(sql.text, sql.values))?.n ?? 0);
  }

  /**
   * Under the migration lock, so processes starting together do not race on the catalog. A plain
   * CREATE INDEX (not CONCURRENTLY, which cannot run in a transaction and can leave an invalid
   * index behind) holds off writes to records while a new index builds: declare indexes before
   * the table is large, or build them CONCURRENTLY by hand under the same name first.
   */
  async ensureFieldIndexes(indexes: readonly FieldIndex[]): Promise<string[]> {
    const wanted = distinctIndexes(indexes);
    if (wanted.length === 0) return [];
    return runTransaction(this.pool, this.retry, async (client) => {
      await client.query(Q.migrationLock, [this.schema]);
      const created: string[] = [];
      for (const index of wanted) {
        const name = fieldIndexName(index);
        const exists = await client.query(`SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`, [this.schema, name]);
        if (exists.rowCount !== 0) continue;
        await client.query(createFieldIndexSql(index, postgresRecordDialect));
        created.push(name);
      }
      return created;
    });
  }

  async listChanges(tenant: string, type: string, recordId: string): Promise<ChangeRow[]> {
    return (await this.rows<map.ChangeSql>(Q.listChanges, [tenant, type, recordId])).map(map.change);
  }

  async listRecentChanges(tenant: string, type: string, recordId: string, limit: number): Promise<ChangeRow[]> {
    return (await this.rows<map.ChangeSql>(Q.listRecentChanges, [tenant, type, recordId, limit])).map(map.change);
  }

  async getChange(tenant: string, changeId: string): Promise<ChangeRow | undefined> {
    const row = await this.one<map.ChangeSql>(Q.getChange, [tenant, changeId]);
    return row && map.change(row);
  }

  async listWorkflows(tenant: string): Promise<WorkflowRow[]> {
    return (await this.rows<map.WorkflowSql>(Q.listWorkflows, [tenant])).map(map.workflow);
  }

  async listWorkflowVersions(tenant: string, workflowId: string): Promise<WorkflowVersionRow[]> {
    return (await this.rows<map.VersionSql>(Q.listVersions, [tenant, workflowId])).map(map.version);
  }

  async getWorkflowVersion(tenant: string, workflowId: string, version: number): Promise<WorkflowVersionRow | undefined> {
    const row = await this.one<map.VersionSql>(Q.getVersion, [tenant, workflowId, version]);
    return row && map.version(row);
  }

  async listActiveVersions(tenant: string): Promise<WorkflowVersionRow[]> {
    return (await this.rows<map.VersionSql>(Q.listActiveVersions, [tenant])).map(map.version);
  }

  async getCatalogRevision(tenant: string): Promise<number> {
    return (await this.one<{ revision: number }>(Q.getRevision, [tenant]))?.revision ?? 0;
  }

  async getExecution(tenant: string, id: string): Promise<ExecutionRow | undefined> {
    const row = await this.one<map.ExecutionSql>(Q.getExecution, [tenant, id]);
    return row && map.execution(row);
  }

  async listExecutions(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    const { text, values } = listExecutions(filter);
    return (await this.rows<map.ExecutionSql>(text, values)).map(map.execution);
  }

  async listSteps(executionId: string): Promise<StepRow[]> {
    return (await this.rows<map.StepSql>(Q.listSteps, [executionId])).map(map.step);
  }

  async countExecutionsByStatus(tenant?: string): Promise<Partial<Record<ExecutionStatus, number>>> {
    const rows = tenant === undefined
      ? await this.rows<{ status: ExecutionStatus; n: number }>(Q.countByStatus)
      : await this.rows<{ status: ExecutionStatus; n: number }>(Q.countByStatusForTenant, [tenant]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async listAlerts(tenant: string, limit: number): Promise<AlertRow[]> {
    return (await this.rows<map.AlertSql>(Q.listAlerts, [tenant, limit])).map(map.alert);
  }

  async listAttempts(executionId: string): Promise<AttemptRow[]> {
    return (await this.rows<map.AttemptSql>(Q.listAttempts, [executionId])).map(map.attempt);
  }

  /** Four queries whatever the batch size (see the port), sent in parallel; none for an empty batch. */
  async loadExecutionContexts(executions: ExecutionRow[]): Promise<Map<string, ExecutionContextRow>> {
    if (executions.length === 0) return new Map();
    const keys = contextKeys(executions);
    const [changes, records, steps, attempts] = await Promise.all([
      this.rows<map.ChangeSql>(Q.contextChanges, [keys.changes.map((k) => k.tenant), keys.changes.map((k) => k.id)]),
      this.rows<map.RecordSql>(Q.contextRecords, [
        keys.records.map((k) => k.tenant), keys.records.map((k) => k.type), keys.records.map((k) => k.id),
      ]),
      this.rows<map.StepSql & { context_tenant: string }>(Q.contextSteps, [
        keys.steps.map((k) => k.tenant), keys.steps.map((k) => k.executionId),
      ]),
      this.rows<{ context_tenant: string; execution_id: string; step_id: string; failed: number }>(Q.contextAttempts, [
        keys.attempts.map((k) => k.tenant), keys.attempts.map((k) => k.executionId),
      ]),
    ]);
    return assembleContexts(executions, {
      changes: changes.map(map.change),
      records: records.map(map.record),
      steps: steps.map((r) => ({ tenant: r.context_tenant, step: map.step(r) })),
      attempts: attempts.map((r) => ({ tenant: r.context_tenant, executionId: r.execution_id, stepId: r.step_id, failed: r.failed })),
    });
  }

  async listBreakers(tenant: string): Promise<BreakerRow[]> {
    return (await this.rows<map.BreakerSql>(Q.listBreakers, [tenant])).map(map.breaker);
  }

  listConditionStats(tenant: string, workflowId: string): Promise<ConditionStatsRow[]> {
    return stats.listConditionStats((text, values) => this.rows<stats.ConditionStatsSql>(text, values), tenant, workflowId);
  }

  async addConditionStats(deltas: ConditionStatsRow[], now: number): Promise<void> {
    if (deltas.length === 0) return;
    await runTransaction(this.pool, this.retry, (client) => stats.addConditionStats(client, deltas, now));
  }

  async getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined> {
    const row = await this.one<map.BreakerSql>(Q.getBreaker, [tenant, key]);
    return row && map.breaker(row);
  }

  requeueExecutions(tenant: string, ids: string[], from: ExecutionStatus[], now: number): Promise<string[]> {
    return this.moveExecutions(Q.requeue, [tenant, ids, from, now], ids);
  }

  async releaseWaiting(tenant: string, waitingOn: string, now: number): Promise<number> {
    const rows = await runTransaction(this.pool, this.retry, async (client) =>
      (await client.query<{ n: number }>(Q.releaseWaiting, [tenant, waitingOn, now])).rows);
    return rows[0]?.n ?? 0;
  }

  hold(h: HoldRow): Promise<{ hold: HoldRow; counts: StopCounts }> {
    return runTransaction(this.pool, this.retry, (client) => stops.holdInTransaction(client, h));
  }

  releaseHold(tenant: string, workflowId: string, now: number): Promise<ReleaseResult> {
    return runTransaction(this.pool, this.retry, (client) => stops.releaseInTransaction(client, tenant, workflowId, now));
  }

  listHolds(tenant: string): Promise<HoldRow[]> {
    return stops.listHolds((text, values) => this.rows(text, values), tenant);
  }

  listObjectTypeVersions(tenant: string, type?: string): Promise<ObjectTypeVersionRow[]> {
    return objectTypes.listObjectTypeVersions((text, values) => this.rows(text, values), tenant, type);
  }

  listCurrentObjectTypes(tenant: string): Promise<ObjectTypeVersionRow[]> {
    return objectTypes.listCurrentObjectTypes((text, values) => this.rows(text, values), tenant);
  }

  insertObjectTypeVersion(row: ObjectTypeVersionRow): Promise<boolean> {
    return runTransaction(this.pool, this.retry, (client) => objectTypes.insertInTransaction(client, row));
  }

  cancelMatching(filter: CancelFilter, by: string, reason: string, now: number): Promise<StopCounts> {
    return runTransaction(this.pool, this.retry, (client) => stops.cancelInTransaction(client, filter, by, reason, now));
  }

  cancelExecutions(tenant: string, ids: string[], from: ExecutionStatus[], reason: string, now: number): Promise<string[]> {
    return this.moveExecutions(Q.cancel, [tenant, ids, from, reason, now], ids);
  }

  /** Runs a requeue or cancel; returns the ids it moved, in the order asked. */
  private async moveExecutions(text: string, values: unknown[], ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const moved = await runTransaction(this.pool, this.retry, async (client) => (await client.query<{ id: string }>(text, values)).rows);
    const set = new Set(moved.map((r) => r.id));
    return ids.filter((id) => set.has(id));
  }

  async claimExecutions(options: ClaimOptions): Promise<ExecutionRow[]> {
    if (options.limit <= 0) return [];
    // Read what there is first (one statement, no transaction): an idle worker's claim, and every
    // worker but one woken by the same write, then costs one round trip instead of four.
    const candidates = await claimCandidates((text, values) => retryIdempotent(this.retry, () => this.pool.query<ClaimCandidates>(text, values)), options);
    if (!worthATransaction(candidates)) return [];
    const rows = await runTransaction(this.pool, this.retry, (client) => claimInTransaction(client, options, this.tenantRotation, candidates));
    return rows.map(map.execution);
  }

  heartbeat(workerId: string, leases: Lease[], now: number, leaseMs: number): Promise<string[]> {
    // Idempotent (it only sets lease_until), so a retry after a lost connection is safe.
    return heartbeat((text, values) => retryIdempotent(this.retry, () => this.pool.query<{ id: string }>(text, values)),
      workerId, leases, now, leaseMs);
  }

  async sweepExpiredLeases(now: number): Promise<number> {
    return (await this.sweepLeases(now)).requeued;
  }

  sweepLeases(now: number, policy?: SweepPolicy): Promise<SweepResult> {
    return runTransaction(this.pool, this.retry, (client) => sweepInTransaction(client, now, policy));
  }

  async nextRunAt(): Promise<number | undefined> {
    return (await this.one<{ at: number | null }>(Q.nextRunAt, []))?.at ?? undefined;
  }

  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    void this.listening(); // resolves when LISTEN is in place; never rejects (the listener retries)
    return () => {
      this.wakeListeners.delete(listener);
    };
  }

  /**
   * Starts the LISTEN connection if it is not running; resolves once it listens. onWake starts it
   * too, but a caller that must not miss the very next notification (a test) can await this.
   */
  listening(): Promise<void> {
    if (!this.listener) {
      this.listener = new WakeListener({
        config: this.clientConfig,
        channel: this.channel,
        wake: () => {
          for (const listener of [...this.wakeListeners]) listener();
        },
        onError: this.onConnectionError,
      });
      this.listener.start();
    }
    return this.listener.listening;
  }

  /** The LISTEN connection's backend pid (fault tests kill it); undefined while disconnected. */
  get listenerPid(): number | undefined {
    return this.listener?.backendPid;
  }

  async notifyQueued(): Promise<void> {
    await retryIdempotent(this.retry, () => this.pool.query(Q.notify, [this.channel]));
  }
}
