// The PostgreSQL side of time triggers (store/timers-port.ts). Claims take due rows with
// FOR UPDATE SKIP LOCKED, so the schedulers of many processes split due work between them and a
// row is handled by one transaction at a time; a process killed mid-transaction loses its locks
// with its connection, and the rows are due again for the others. Parameters: $n, always bound.
import type pg from 'pg';
import type { ScheduleRow, SkippedFireRow, TimerRow, TimerStatus } from '../../domain/time-triggers.js';
import type { TimerFilter, TimerKey, TimerStore, TimerStoreTx } from '../timers-port.js';
import { scheduleRow, skippedRow, timerRow } from '../timer-rows.js';

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<{ rows: R[]; rowCount: number }>;

const T = {
  /** $1 tenant $2 workflow_id $3 version $4 status $5 next_fire_at $6 last_fire_at $7 fanout_fire_at $8 fanout_after $9 updated_at */
  putSchedule: `INSERT INTO schedules (tenant, workflow_id, version, status, next_fire_at, last_fire_at, fanout_fire_at, fanout_after, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (tenant, workflow_id) DO UPDATE SET version = excluded.version, status = excluded.status,
      next_fire_at = excluded.next_fire_at, last_fire_at = excluded.last_fire_at, fanout_fire_at = excluded.fanout_fire_at,
      fanout_after = excluded.fanout_after, updated_at = excluded.updated_at`,
  /** $1 tenant $2 workflow_id */
  lockSchedule: `SELECT * FROM schedules WHERE tenant = $1 AND workflow_id = $2 FOR UPDATE SKIP LOCKED`,
  /** $1 now $2 limit */
  dueSchedules: `SELECT * FROM schedules WHERE status = 'active' AND fanout_fire_at IS NULL AND next_fire_at <= $1
    ORDER BY next_fire_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
  /** $1 tenant */
  listSchedules: `SELECT * FROM schedules WHERE tenant = $1 ORDER BY workflow_id`,
  listFanouts: `SELECT * FROM schedules WHERE fanout_fire_at IS NOT NULL ORDER BY tenant, workflow_id`,
  /** $1 tenant $2 workflow_id $3 version $4 record_type $5 record_id $6 due_at $7 anchor $8 status $9 reason $10 updated_at */
  upsertTimer: `INSERT INTO timers (tenant, workflow_id, version, record_type, record_id, due_at, anchor, status, reason, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (tenant, workflow_id, version, record_type, record_id) DO UPDATE SET due_at = excluded.due_at,
      anchor = excluded.anchor, status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at
    WHERE timers.anchor <> excluded.anchor OR timers.status = 'cancelled'`,
  /** $1 tenant $2 record_type $3 record_id $4 workflow ids $5 reason $6 now $7 version kept (-1: none) */
  cancelTimers: `UPDATE timers SET status = 'cancelled', reason = $5, updated_at = $6
    WHERE tenant = $1 AND record_type = $2 AND record_id = $3 AND status = 'scheduled'
      AND workflow_id = ANY($4::text[]) AND version <> $7`,
  /** $1 now $2 limit */
  dueTimers: `SELECT * FROM timers WHERE status = 'scheduled' AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
  /** $1..$5 tenants, workflow ids, versions, record types, record ids (parallel arrays) $6 status $7 reason $8 now */
  finishTimers: `UPDATE timers t SET status = $6, reason = $7, updated_at = $8
    FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS k(tenant, workflow_id, version, record_type, record_id)
    WHERE t.tenant = k.tenant AND t.workflow_id = k.workflow_id AND t.version = k.version AND t.record_type = k.record_type AND t.record_id = k.record_id`,
  /** $1 tenant $2 status|null $3 workflow_id|null $4 record_type|null $5 record_id|null $6 limit */
  listTimers: `SELECT * FROM timers WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)
      AND ($3::text IS NULL OR workflow_id = $3) AND ($4::text IS NULL OR record_type = $4) AND ($5::text IS NULL OR record_id = $5)
    ORDER BY due_at, workflow_id, record_id LIMIT $6`,
  /** Parallel arrays of the rows' columns, in the order of the INSERT. */
  insertSkipped: `INSERT INTO skipped_fires (tenant, key, kind, workflow_id, version, record_type, record_id, due_at, reason, recorded_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[])
    ON CONFLICT (tenant, key) DO NOTHING`,
  /** $1 tenant $2 limit */
  listSkipped: `SELECT * FROM skipped_fires WHERE tenant = $1 ORDER BY seq DESC LIMIT $2`,
  nextDue: `SELECT LEAST((SELECT MIN(next_fire_at) FROM schedules WHERE status = 'active' AND fanout_fire_at IS NULL),
    (SELECT MIN(due_at) FROM timers WHERE status = 'scheduled')) AS next`,
};

type Row = Record<string, unknown>;
const schedule = (r: Row): ScheduleRow => scheduleRow(r as unknown as Parameters<typeof scheduleRow>[0]);
const timer = (r: Row): TimerRow => timerRow(r as unknown as Parameters<typeof timerRow>[0]);

export class PgTimersTx implements TimerStoreTx {
  constructor(private readonly query: Query) {}

  async putSchedule(r: ScheduleRow): Promise<void> {
    await this.query(T.putSchedule, [r.tenant, r.workflowId, r.version, r.status, r.nextFireAt, r.lastFireAt, r.fanout?.fireAt ?? null, r.fanout?.afterId ?? null, r.updatedAt]);
  }

  async lockSchedule(tenant: string, workflowId: string): Promise<ScheduleRow | undefined> {
    const [r] = (await this.query<Row>(T.lockSchedule, [tenant, workflowId])).rows;
    return r && schedule(r);
  }

  async claimDueSchedules(now: number, limit: number): Promise<ScheduleRow[]> {
    return (await this.query<Row>(T.dueSchedules, [now, limit])).rows.map(schedule);
  }

  async upsertTimer(r: TimerRow): Promise<boolean> {
    const result = await this.query(T.upsertTimer, [r.tenant, r.workflowId, r.version, r.recordType, r.recordId, r.dueAt, r.anchor, r.status, r.reason, r.updatedAt]);
    return result.rowCount > 0;
  }

  async cancelTimers(tenant: string, recordType: string, recordId: string, workflowIds: string[], reason: string, now: number, keepVersion = -1): Promise<number> {
    if (workflowIds.length === 0) return 0;
    return (await this.query(T.cancelTimers, [tenant, recordType, recordId, workflowIds, reason, now, keepVersion])).rowCount;
  }

  async claimDueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return (await this.query<Row>(T.dueTimers, [now, limit])).rows.map(timer);
  }

  async finishTimers(keys: TimerKey[], status: Exclude<TimerStatus, 'scheduled'>, reason: string | null, now: number): Promise<void> {
    if (keys.length === 0) return;
    await this.query(T.finishTimers, [
      keys.map((k) => k.tenant), keys.map((k) => k.workflowId), keys.map((k) => k.version), keys.map((k) => k.recordType), keys.map((k) => k.recordId),
      status, reason, now,
    ]);
  }

  async insertSkippedFires(rows: SkippedFireRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof SkippedFireRow>(k: K): SkippedFireRow[K][] => rows.map((r) => r[k]);
    await this.query(T.insertSkipped, [col('tenant'), col('key'), col('kind'), col('workflowId'), col('version'), col('recordType'), col('recordId'), col('dueAt'), col('reason'), col('recordedAt')]);
  }
}

export class PgTimers implements TimerStore {
  constructor(private readonly query: Query) {}

  async listSchedules(tenant: string): Promise<ScheduleRow[]> {
    return (await this.query<Row>(T.listSchedules, [tenant])).rows.map(schedule);
  }

  async listFanouts(): Promise<ScheduleRow[]> {
    return (await this.query<Row>(T.listFanouts, [])).rows.map(schedule);
  }

  async listTimers(f: TimerFilter): Promise<TimerRow[]> {
    return (await this.query<Row>(T.listTimers, [f.tenant, f.status ?? null, f.workflowId ?? null, f.recordType ?? null, f.recordId ?? null, f.limit])).rows.map(timer);
  }

  async listSkippedFires(tenant: string, limit: number): Promise<SkippedFireRow[]> {
    return (await this.query<Row>(T.listSkipped, [tenant, limit])).rows.map((r) => skippedRow(r as unknown as Parameters<typeof skippedRow>[0]));
  }

  async nextDue(): Promise<number | undefined> {
    const [r] = (await this.query<{ next: string | number | null }>(T.nextDue, [])).rows;
    return r?.next === null || r?.next === undefined ? undefined : Number(r.next);
  }
}
