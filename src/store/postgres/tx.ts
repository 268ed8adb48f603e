// StoreTx over one pooled client inside BEGIN ... COMMIT (see connection.ts: runTransaction).
import type pg from 'pg';
import { StaleLeaseError, SwitchyardError } from '../../errors.js';
import type { CompleteStep, ExecutionUpdate, LoopGuardFacts, LoopGuardQuery, RecordKey, StoreTx } from '../port.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, EffectRow, Lease, NewExecution, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import { loopGuardFacts, type LoopGuardFactRow } from '../loop-guard-facts.js';
import { Savepoints } from '../savepoints.js';
import { checkCompleteSteps } from '../complete-steps.js';
import { RecordLocks } from '../record-locks.js';
import { ConflictError } from './connection.js';
import { Q } from './queries.js';
import * as map from './rows.js';
import { WriteBehind } from './write-behind.js';
import { PgTimersTx } from './timers.js';
import { STOP_Q } from './stops.js';
import { stopRequestOf, type LeaseCheckRow, type StopRequest } from '../stops.js';

const UNIQUE_VIOLATION = '23505';

export class PgTx implements StoreTx {
  // Simple queries (no parameters, not prepared): a rollback's two statements go in one round trip.
  private readonly savepoints = new Savepoints(async (statements) => {
    await this.client.query(statements.join('; '));
  });

  /** Records locked by lockRecords, per transaction: a retried transaction gets a new PgTx, so an empty cache. */
  private readonly locks = new RecordLocks();

  /**
   * deferWrites: set once called, for the rest of this PgTx (a retried transaction gets a new one,
   * so it starts with an empty buffer and calls deferWrites again).
   */
  private deferring = false;
  private readonly pending = new WriteBehind();
  /**
   * Catalog revisions read while deferring, per tenant. The read (Q.getRevision) takes no lock, so
   * a deploy may commit while this transaction runs; a re-read would see it. Keeping the first
   * value is still as good: the revision check only says the catalog a write used was current at
   * some moment of its transaction, and no lock orders a deploy against that transaction, so a
   * deploy committing after the check is not seen either way (even a single write's own
   * insertExecutions runs after its check). The batch reads as if every write were checked when
   * the first one was, a moment READ COMMITTED could have given it anyway. This transaction's own
   * bump (bumpCatalogRevision) replaces the value; a savepoint rollback forgets them all.
   */
  private readonly revisions = new Map<string, number>();

  constructor(private readonly client: pg.PoolClient) {}

  /** Time triggers (postgres/timers.ts): their tables are neither records nor changes, so no flush. */
  get timers(): PgTimersTx {
    this.timersTx ??= new PgTimersTx(async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => {
      const result = await this.client.query<R>(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    });
    return this.timersTx;
  }

  private timersTx: PgTimersTx | undefined;

  /**
   * The write-behind buffer is empty at every savepoint boundary: flushed before SAVEPOINT and
   * before RELEASE (a flush error inside counts as fn's and rolls the savepoint back). So on a
   * rollback what is still pending was decided inside the savepoint, and is dropped; what was
   * flushed the database rolls back.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    await this.flush();
    try {
      return await this.savepoints.run(async () => {
        const result = await fn();
        await this.flush();
        return result;
      });
    } catch (error) {
      // Rolled back: cached rows may hold undone writes, and the locks taken inside are released.
      this.pending.drop();
      this.locks.clear();
      this.revisions.clear();
      throw error;
    }
  }

  /**
   * From now on, insertRecord of a key locked and found absent, updateRecord of a record in the
   * lock cache and appendChange are buffered and
   * sent together by flush() (see the port). Statements that read or write records or changes
   * flush first; the others (executions, lanes, steps, alerts, effects, attempts, breakers,
   * workflows, catalog) touch neither table and leave the buffer alone. The store flushes before
   * COMMIT, and a savepoint at its boundaries.
   */
  deferWrites(): void {
    this.deferring = true;
  }

  /** Sends the buffered writes in one statement (none when nothing is pending). */
  async flush(): Promise<void> {
    const batch = this.pending.take();
    if (!batch) return;
    const [result] = await this.rows<{ updated: number; inserted: [string, string, string][] }>(Q.flushWrites, batch.params);
    // Every buffered key was decided against its row, locked FOR UPDATE: a miss is a bug in the
    // bookkeeping (record-locks.ts), never a concurrent writer. Fail rather than commit without it.
    if (result?.updated !== batch.records) {
      throw new SwitchyardError('INTERNAL', `write-behind flush updated ${result?.updated ?? 0} of ${batch.records} records`);
    }
    // An absent key has no row to lock: another transaction may have inserted it since (as with
    // a single insertRecord, the database reports it, here for the whole flush).
    if (result.inserted.length !== batch.inserts.length) {
      const done = new Set(result.inserted.map((k) => JSON.stringify(k)));
      const taken = batch.inserts.find((r) => !done.has(JSON.stringify([r.tenant, r.type, r.id])));
      throw recordExists(taken?.type ?? 'record', taken?.id ?? '');
    }
  }

  /** Throws when a savepoint could not be rolled back, so that such a transaction never commits. */
  assertCommittable(): void {
    this.savepoints.assertUsable();
  }

  private async rows<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.client.query<T>(text, values)).rows;
  }

  private async count(text: string, values: unknown[]): Promise<number> {
    return (await this.client.query(text, values)).rowCount ?? 0;
  }

  async getRecordForUpdate(tenant: string, type: string, id: string): Promise<RecordRow | undefined> {
    const cached = this.locks.get(tenant, type, id);
    if (cached.hit) return cached.row;
    await this.flush();
    const [row] = await this.rows<map.RecordSql>(Q.getRecordForUpdate, [tenant, type, id]);
    return row && map.record(row);
  }

  async lockRecords(keys: RecordKey[]): Promise<void> {
    const missing = this.locks.missing(keys);
    if (missing.length === 0) return;
    await this.flush();
    const found = await this.rows<map.RecordSql>(Q.lockRecords, [
      missing.map((k) => k.tenant), missing.map((k) => k.type), missing.map((k) => k.id),
    ]);
    this.locks.locked(missing, found.map(map.record));
  }

  async insertRecord(row: RecordRow): Promise<void> {
    if (this.deferring) {
      const cached = this.locks.get(row.tenant, row.type, row.id);
      if (cached.hit && !cached.row) {
        this.pending.insert(row);
        this.locks.inserted(row);
        return;
      }
    }
    await this.flush();
    if ((await this.count(Q.insertRecord, map.insertRecordParams(row))) !== 1) {
      throw recordExists(row.type, row.id);
    }
    this.locks.inserted(row);
  }

  async updateRecord(row: RecordRow, expectedVersion: number): Promise<boolean> {
    if (this.deferring) {
      // The cached row is locked FOR UPDATE by this transaction: its version is the stored one.
      const cached = this.locks.get(row.tenant, row.type, row.id);
      if (cached.hit && cached.row) {
        if (cached.row.version !== expectedVersion) return false;
        this.pending.update(row, expectedVersion);
        this.locks.updated(row);
        return true;
      }
    }
    await this.flush();
    const updated = (await this.count(Q.updateRecord, map.updateRecordParams(row, expectedVersion))) === 1;
    if (updated) this.locks.updated(row);
    return updated;
  }

  async deleteRecord(tenant: string, type: string, id: string, expectedVersion: number): Promise<boolean> {
    await this.flush();
    const deleted = (await this.count(Q.deleteRecord, [tenant, type, id, expectedVersion])) === 1;
    if (deleted) this.locks.deleted(tenant, type, id);
    return deleted;
  }

  async appendChange(change: ChangeRow): Promise<void> {
    if (this.deferring) {
      this.pending.append(change);
      return;
    }
    await this.client.query(Q.appendChange, map.changeParams(change));
  }

  async insertExecutions(rows: NewExecution[]): Promise<number> {
    // One statement per group; the rows of one occurrence are all of one kind, so one in practice.
    const others = rows.filter(map.namesOccurrenceKind);
    const records = others.length === 0 ? rows : rows.filter((r) => !map.namesOccurrenceKind(r));
    let inserted = 0;
    for (const [statement, group] of [[Q.insertExecutions, records], [Q.insertExecutionsOfKind, others]] as const) {
      if (group.length === 0) continue;
      const [result] = await this.rows<{ inserted: number }>(statement, [map.executionBatch(group)]);
      inserted += result?.inserted ?? 0;
    }
    // Queued while held (store/stops.ts): who holds them. Only then a statement on migration 7's columns.
    const held = rows.filter((r) => r.status === 'paused');
    if (held.length > 0) await this.client.query(STOP_Q.markHeld, [held.map((r) => r.id), held.map((r) => r.stoppedBy ?? null), held.map((r) => r.stopReason ?? null)]);
    return inserted;
  }

  async getCatalogRevision(tenant: string): Promise<number> {
    const kept = this.revisions.get(tenant);
    if (kept !== undefined) return kept;
    const [row] = await this.rows<{ revision: number }>(Q.getRevision, [tenant]);
    const revision = row?.revision ?? 0;
    if (this.deferring) this.revisions.set(tenant, revision);
    return revision;
  }

  async bumpCatalogRevision(tenant: string): Promise<number> {
    const [row] = await this.rows<{ revision: number }>(Q.bumpRevision, [tenant]);
    const revision = row?.revision ?? 0;
    if (this.deferring) this.revisions.set(tenant, revision);
    return revision;
  }

  async getWorkflow(tenant: string, workflowId: string): Promise<WorkflowRow | undefined> {
    const [row] = await this.rows<map.WorkflowSql>(Q.getWorkflow, [tenant, workflowId]);
    return row && map.workflow(row);
  }

  async getLatestVersion(tenant: string, workflowId: string): Promise<WorkflowVersionRow | undefined> {
    const [row] = await this.rows<map.VersionSql>(Q.getLatestVersion, [tenant, workflowId]);
    return row && map.version(row);
  }

  async insertWorkflowVersion(row: WorkflowVersionRow): Promise<void> {
    try {
      await this.client.query(Q.insertVersion, map.versionParams(row));
    } catch (error) {
      // Two deploys read the same latest version and both chose the next number: the later one
      // runs again from the start (it will read the new latest), as for any other conflict.
      const e = error as { code?: string; constraint?: string };
      if (e.code === UNIQUE_VIOLATION && e.constraint === 'workflow_versions_pkey') throw new ConflictError(error);
      throw error;
    }
  }

  async upsertWorkflow(row: WorkflowRow): Promise<void> {
    await this.client.query(Q.upsertWorkflow, map.workflowParams(row));
  }

  async checkLease(lease: Lease): Promise<StopRequest | undefined> {
    const [row] = await this.rows<LeaseCheckRow>(Q.checkLease, [lease.executionId, lease.attempt]);
    if (!row) throw new StaleLeaseError(lease.executionId, lease.attempt);
    return stopRequestOf(row);
  }

  async saveStep(step: StepRow): Promise<void> {
    await this.client.query(Q.saveStep, map.stepParams(step));
  }

  async finishExecution(lease: Lease, update: ExecutionUpdate): Promise<void> {
    await finish(this.client, lease, update);
  }

  async completeSteps(items: CompleteStep[]): Promise<string[]> {
    checkCompleteSteps(items);
    if (items.length === 0) return [];
    const done = await this.rows<{ id: string; tenant: string; lane: string }>(Q.completeSteps, map.completeStepsParams(items));
    if (done.length === 0) return [];
    // The statement above locked the lanes it freed; this later one sees every execution
    // committed into them before that (as finish does, for all lanes at once).
    const lanes = new Map(done.map((d) => [JSON.stringify([d.tenant, d.lane]), d]));
    await this.client.query(Q.refreshLanes, [[...lanes.values()].map((d) => d.tenant), [...lanes.values()].map((d) => d.lane)]);
    const completed = new Set(done.map((d) => d.id));
    return items.map((i) => i.lease.executionId).filter((id) => completed.has(id));
  }

  async loopGuardFacts(q: LoopGuardQuery): Promise<LoopGuardFacts> {
    return loopGuardFacts(await this.rows<LoopGuardFactRow>(Q.loopGuardFacts, [
      q.tenant, q.root?.changeId ?? null, q.root?.countUpTo ?? 0, q.recordType, q.recordId, q.workflowIds,
    ]));
  }

  async insertAlert(alert: AlertRow): Promise<void> {
    await this.client.query(Q.insertAlert, map.alertParams(alert));
  }

  async insertAlerts(alerts: AlertRow[]): Promise<void> {
    if (alerts.length > 0) await this.client.query(Q.insertAlerts, [map.alertBatch(alerts)]);
  }

  async getEffect(tenant: string, key: string): Promise<EffectRow | undefined> {
    const [row] = await this.rows<map.EffectSql>(Q.getEffect, [tenant, key]);
    return row && map.effect(row);
  }

  async saveEffect(effect: EffectRow): Promise<void> {
    await this.client.query(Q.saveEffect, map.effectParams(effect));
  }

  async recordAttempt(attempt: AttemptRow): Promise<void> {
    await this.client.query(Q.recordAttempt, map.attemptParams(attempt));
  }

  async getBreaker(tenant: string, key: string): Promise<BreakerRow | undefined> {
    await this.client.query(Q.lockBreaker, [tenant, key]);
    const [row] = await this.rows<map.BreakerSql>(Q.getBreaker, [tenant, key]);
    return row && map.breaker(row);
  }

  async putBreaker(row: BreakerRow): Promise<void> {
    await this.client.query(Q.putBreaker, map.breakerParams(row));
  }
}

/** Ends or requeues an execution under its lease and frees its lane. */
export async function finish(client: pg.ClientBase, lease: Lease, update: ExecutionUpdate): Promise<void> {
  const done = await client.query<{ tenant: string; lane: string }>(Q.finish, [
    lease.executionId, lease.attempt, update.status, update.reason ?? null, update.finishedAt ?? null, update.runAt ?? null,
    update.waitingOn ?? null, update.stoppedBy ?? null, update.stopReason ?? null,
  ]);
  const [lane] = done.rows;
  if (!lane) throw new StaleLeaseError(lease.executionId, lease.attempt);
  // The lane row is locked by the statement above, so this later statement sees every execution
  // committed into the lane before the lock (READ COMMITTED takes a fresh snapshot per statement).
  await client.query(Q.refreshLanes, [[lane.tenant], [lane.lane]]);
}

/** What the write path says of an existing record, here for a concurrent insert the database caught. */
function recordExists(type: string, id: string): SwitchyardError {
  return new SwitchyardError('RECORD_EXISTS', `${type} ${id} already exists`, { problems: [{ path: '/id', message: 'already exists' }] });
}
