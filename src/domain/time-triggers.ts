// Time as a trigger: the rows the scheduler keeps (one per schedule, one per relative-date timer)
// and the fires it recorded as skipped. Pure data; the store keeps them, the scheduler
// (execution/scheduler.ts) decides and fires, services/timer-sync.ts keeps timers in step with writes.

/** What a time trigger does with fires it missed (the engine was down, or the scheduler behind). */
export type MissedFirePolicy = 'skip' | 'once' | 'all';

/** A workflow version's `on: schedule` trigger, one row per workflow (the active version's). */
export interface ScheduleRow {
  tenant: string;
  workflowId: string;
  version: number;
  /** 'paused' while the workflow is disabled: nothing fires, nothing counts as missed. */
  status: 'active' | 'paused';
  /** The next fire not yet handled (epoch ms); fires are handled in order. */
  nextFireAt: number;
  /** The last fire that ran (null before the first). */
  lastFireAt: number | null;
  /** A `for_each` fire still fanning out: its fire time and the last record id done. */
  fanout: { fireAt: number; afterId: string } | null;
  updatedAt: number;
}

export type TimerStatus = 'scheduled' | 'fired' | 'skipped' | 'cancelled';

/** A relative-date timer: one per (workflow version, record), moved by every write to its anchor. */
export interface TimerRow {
  tenant: string;
  workflowId: string;
  version: number;
  recordType: string;
  recordId: string;
  /** When it fires (epoch ms); kept after it fired or was cancelled, for the record. */
  dueAt: number;
  /** The anchor value it was computed from (the field's value, or the record's creation time). */
  anchor: string;
  status: TimerStatus;
  /** Why it was cancelled or skipped; null otherwise. */
  reason: string | null;
  updatedAt: number;
}

/** A fire that did not run, and why: missed-fire policies never drop a fire silently. */
export interface SkippedFireRow {
  tenant: string;
  /** The occurrence key the fire would have had ("<source id>@<ISO due time>"). */
  key: string;
  kind: 'schedule' | 'timer';
  workflowId: string;
  version: number;
  /** The timer's record ('' for a schedule). */
  recordType: string;
  recordId: string;
  dueAt: number;
  reason: string;
  recordedAt: number;
}
