// The SQLite side of time triggers (store/timers-port.ts): schedules, timers and skipped fires.
// One process serves an SQLite file, and a transaction holds the write lock, so a claim is a read
// inside it: nobody else can take the rows before it commits.
import type { ScheduleRow, SkippedFireRow, TimerRow, TimerStatus } from '../../domain/time-triggers.js';
import { scheduleRow, skippedRow, timerRow, type ScheduleSql, type SkippedSql, type TimerSql } from '../timer-rows.js';
import type { TimerFilter, TimerKey, TimerStore, TimerStoreTx } from '../timers-port.js';
import type { SqliteConnection } from './connection.js';

const T = {
  putSchedule: `INSERT INTO schedules (tenant, workflow_id, version, status, next_fire_at, last_fire_at, fanout_fire_at, fanout_after, updated_at)
    VALUES (@tenant, @workflowId, @version, @status, @nextFireAt, @lastFireAt, @fanoutFireAt, @fanoutAfter, @updatedAt)
    ON CONFLICT (tenant, workflow_id) DO UPDATE SET version = excluded.version, status = excluded.status,
      next_fire_at = excluded.next_fire_at, last_fire_at = excluded.last_fire_at, fanout_fire_at = excluded.fanout_fire_at,
      fanout_after = excluded.fanout_after, updated_at = excluded.updated_at`,
  getSchedule: `SELECT * FROM schedules WHERE tenant = @tenant AND workflow_id = @workflowId`,
  dueSchedules: `SELECT * FROM schedules WHERE status = 'active' AND fanout_fire_at IS NULL AND next_fire_at <= @now
    ORDER BY next_fire_at LIMIT @limit`,
  listSchedules: `SELECT * FROM schedules WHERE tenant = @tenant ORDER BY workflow_id`,
  listFanouts: `SELECT * FROM schedules WHERE fanout_fire_at IS NOT NULL ORDER BY tenant, workflow_id`,
  /** A new timer, or one whose anchor moved (or that was cancelled): scheduled again. Same anchor: left alone. */
  upsertTimer: `INSERT INTO timers (tenant, workflow_id, version, record_type, record_id, due_at, anchor, status, reason, updated_at)
    VALUES (@tenant, @workflowId, @version, @recordType, @recordId, @dueAt, @anchor, @status, @reason, @updatedAt)
    ON CONFLICT (tenant, workflow_id, version, record_type, record_id) DO UPDATE SET due_at = excluded.due_at,
      anchor = excluded.anchor, status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at
    WHERE timers.anchor <> excluded.anchor OR timers.status = 'cancelled'`,
  cancelTimers: `UPDATE timers SET status = 'cancelled', reason = @reason, updated_at = @now
    WHERE tenant = @tenant AND record_type = @recordType AND record_id = @recordId AND status = 'scheduled'
      AND workflow_id IN (SELECT value FROM json_each(@workflowIds)) AND version <> @keepVersion`,
  dueTimers: `SELECT * FROM timers WHERE status = 'scheduled' AND due_at <= @now ORDER BY due_at LIMIT @limit`,
  finishTimer: `UPDATE timers SET status = @status, reason = @reason, updated_at = @now
    WHERE tenant = @tenant AND workflow_id = @workflowId AND version = @version AND record_type = @recordType AND record_id = @recordId`,
  listTimers: `SELECT * FROM timers WHERE tenant = @tenant AND (@status IS NULL OR status = @status)
      AND (@workflowId IS NULL OR workflow_id = @workflowId) AND (@recordType IS NULL OR record_type = @recordType)
      AND (@recordId IS NULL OR record_id = @recordId)
    ORDER BY due_at, workflow_id, record_id LIMIT @limit`,
  insertSkipped: `INSERT INTO skipped_fires (tenant, key, kind, workflow_id, version, record_type, record_id, due_at, reason, recorded_at)
    VALUES (@tenant, @key, @kind, @workflowId, @version, @recordType, @recordId, @dueAt, @reason, @recordedAt)
    ON CONFLICT (tenant, key) DO NOTHING`,
  listSkipped: `SELECT * FROM skipped_fires WHERE tenant = @tenant ORDER BY seq DESC LIMIT @limit`,
  nextDue: `SELECT MIN(t) AS next FROM (
      SELECT MIN(next_fire_at) AS t FROM schedules WHERE status = 'active' AND fanout_fire_at IS NULL
      UNION ALL SELECT MIN(due_at) FROM timers WHERE status = 'scheduled')`,
};

function scheduleParams(row: ScheduleRow): Record<string, unknown> {
  return {
    tenant: row.tenant, workflowId: row.workflowId, version: row.version, status: row.status, nextFireAt: row.nextFireAt,
    lastFireAt: row.lastFireAt, fanoutFireAt: row.fanout?.fireAt ?? null, fanoutAfter: row.fanout?.afterId ?? null, updatedAt: row.updatedAt,
  };
}

/** Inside a transaction (the caller holds the connection and BEGIN IMMEDIATE). */
export class SqliteTimersTx implements TimerStoreTx {
  constructor(private readonly conn: SqliteConnection) {}

  async putSchedule(row: ScheduleRow): Promise<void> {
    this.conn.run(T.putSchedule, scheduleParams(row));
  }

  async lockSchedule(tenant: string, workflowId: string): Promise<ScheduleRow | undefined> {
    const r = this.conn.get<ScheduleSql>(T.getSchedule, { tenant, workflowId });
    return r && scheduleRow(r);
  }

  async claimDueSchedules(now: number, limit: number): Promise<ScheduleRow[]> {
    return this.conn.all<ScheduleSql>(T.dueSchedules, { now, limit }).map(scheduleRow);
  }

  async upsertTimer(row: TimerRow): Promise<boolean> {
    return this.conn.run(T.upsertTimer, { ...row }) > 0;
  }

  async cancelTimers(tenant: string, recordType: string, recordId: string, workflowIds: string[], reason: string, now: number, keepVersion = -1): Promise<number> {
    if (workflowIds.length === 0) return 0;
    return this.conn.run(T.cancelTimers, { tenant, recordType, recordId, workflowIds: JSON.stringify(workflowIds), reason, now, keepVersion });
  }

  async claimDueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return this.conn.all<TimerSql>(T.dueTimers, { now, limit }).map(timerRow);
  }

  async finishTimers(keys: TimerKey[], status: Exclude<TimerStatus, 'scheduled'>, reason: string | null, now: number): Promise<void> {
    for (const k of keys) this.conn.run(T.finishTimer, { ...k, status, reason, now });
  }

  async insertSkippedFires(rows: SkippedFireRow[]): Promise<void> {
    for (const r of rows) this.conn.run(T.insertSkipped, { ...r });
  }
}

/** Reads outside a transaction, each under the connection's queue. */
export class SqliteTimers implements TimerStore {
  constructor(private readonly conn: SqliteConnection) {}

  listSchedules(tenant: string): Promise<ScheduleRow[]> {
    return this.conn.exclusive(() => this.conn.all<ScheduleSql>(T.listSchedules, { tenant }).map(scheduleRow));
  }

  listFanouts(): Promise<ScheduleRow[]> {
    return this.conn.exclusive(() => this.conn.all<ScheduleSql>(T.listFanouts).map(scheduleRow));
  }

  listTimers(f: TimerFilter): Promise<TimerRow[]> {
    return this.conn.exclusive(() => this.conn.all<TimerSql>(T.listTimers, {
      tenant: f.tenant, status: f.status ?? null, workflowId: f.workflowId ?? null, recordType: f.recordType ?? null, recordId: f.recordId ?? null, limit: f.limit,
    }).map(timerRow));
  }

  listSkippedFires(tenant: string, limit: number): Promise<SkippedFireRow[]> {
    return this.conn.exclusive(() => this.conn.all<SkippedSql>(T.listSkipped, { tenant, limit }).map(skippedRow));
  }

  nextDue(): Promise<number | undefined> {
    return this.conn.exclusive(() => {
      const next = this.conn.get<{ next: number | null }>(T.nextDue)?.next;
      return next === null || next === undefined ? undefined : Number(next);
    });
  }
}
