// Row mapping of the time-trigger tables (snake_case columns to port rows), shared by both adapters. Pure.
import type { ScheduleRow, SkippedFireRow, TimerRow, TimerStatus } from '../domain/time-triggers.js';

export interface ScheduleSql {
  tenant: string; workflow_id: string; version: number; status: string; next_fire_at: number; last_fire_at: number | null;
  fanout_fire_at: number | null; fanout_after: string | null; updated_at: number;
}
export interface TimerSql {
  tenant: string; workflow_id: string; version: number; record_type: string; record_id: string; due_at: number; anchor: string;
  status: string; reason: string | null; updated_at: number;
}
export interface SkippedSql {
  tenant: string; key: string; kind: string; workflow_id: string; version: number; record_type: string; record_id: string;
  due_at: number; reason: string; recorded_at: number;
}

export function scheduleRow(r: ScheduleSql): ScheduleRow {
  return {
    tenant: r.tenant, workflowId: r.workflow_id, version: Number(r.version), status: r.status as ScheduleRow['status'],
    nextFireAt: Number(r.next_fire_at), lastFireAt: r.last_fire_at === null ? null : Number(r.last_fire_at),
    fanout: r.fanout_fire_at === null ? null : { fireAt: Number(r.fanout_fire_at), afterId: r.fanout_after ?? '' },
    updatedAt: Number(r.updated_at),
  };
}

export function timerRow(r: TimerSql): TimerRow {
  return {
    tenant: r.tenant, workflowId: r.workflow_id, version: Number(r.version), recordType: r.record_type, recordId: r.record_id,
    dueAt: Number(r.due_at), anchor: r.anchor, status: r.status as TimerStatus, reason: r.reason, updatedAt: Number(r.updated_at),
  };
}

export function skippedRow(r: SkippedSql): SkippedFireRow {
  return {
    tenant: r.tenant, key: r.key, kind: r.kind as SkippedFireRow['kind'], workflowId: r.workflow_id, version: Number(r.version),
    recordType: r.record_type, recordId: r.record_id, dueAt: Number(r.due_at), reason: r.reason, recordedAt: Number(r.recorded_at),
  };
}
