// The store's side of time triggers (a part of the port: StoreTx.timers and Store.timers). Both
// adapters implement it (sqlite/timers.ts, postgres/timers.ts) and test/contract/timers.contract.ts
// checks both. Claims lock what they return until the transaction ends; on PostgreSQL with
// SKIP LOCKED, so schedulers in many processes share due work and each fire is handled once.
import type { ScheduleRow, SkippedFireRow, TimerRow, TimerStatus } from '../domain/time-triggers.js';

/** A timer's key: one per (workflow version, record). */
export interface TimerKey {
  tenant: string;
  workflowId: string;
  version: number;
  recordType: string;
  recordId: string;
}

export interface TimerStoreTx {
  /** Inserts or replaces the workflow's schedule row (deploy, enable, disable). */
  putSchedule(row: ScheduleRow): Promise<void>;
  /** The workflow's schedule row, locked; undefined when there is none or (PostgreSQL) another transaction holds it. */
  lockSchedule(tenant: string, workflowId: string): Promise<ScheduleRow | undefined>;
  /** Active schedules due at `now` and not fanning out, oldest first, locked (SKIP LOCKED). */
  claimDueSchedules(now: number, limit: number): Promise<ScheduleRow[]>;
  /**
   * Keeps the record's timer for this version in step with its anchor: inserts it, or when the
   * anchor changed (or it was cancelled) moves it and schedules it again; the same anchor leaves
   * a fired timer fired. Returns whether a row was inserted or changed.
   */
  upsertTimer(row: TimerRow): Promise<boolean>;
  /**
   * Cancels the scheduled timers of the record with the reason, for these workflows (all
   * versions but `keepVersion` when given). Returns how many.
   */
  cancelTimers(tenant: string, recordType: string, recordId: string, workflowIds: string[], reason: string, now: number, keepVersion?: number): Promise<number>;
  /** Scheduled timers due at `now`, earliest first, locked (SKIP LOCKED). */
  claimDueTimers(now: number, limit: number): Promise<TimerRow[]>;
  /** Ends timers: fired, skipped or cancelled, with the reason. */
  finishTimers(keys: TimerKey[], status: Exclude<TimerStatus, 'scheduled'>, reason: string | null, now: number): Promise<void>;
  /** Records fires that did not run; a key already recorded is left as it is. */
  insertSkippedFires(rows: SkippedFireRow[]): Promise<void>;
}

export interface TimerFilter {
  tenant: string;
  status?: TimerStatus;
  workflowId?: string;
  recordType?: string;
  recordId?: string;
  limit: number;
}

export interface TimerStore {
  listSchedules(tenant: string): Promise<ScheduleRow[]>;
  /** Every tenant's schedules fanning out a `for_each` fire (few; the scheduler works through them). */
  listFanouts(): Promise<ScheduleRow[]>;
  /** Timers by due time (earliest first). */
  listTimers(filter: TimerFilter): Promise<TimerRow[]>;
  /** Newest first. */
  listSkippedFires(tenant: string, limit: number): Promise<SkippedFireRow[]>;
  /** The earliest due time of an active schedule or a scheduled timer, to sleep until; undefined: none. */
  nextDue(): Promise<number | undefined>;
}
