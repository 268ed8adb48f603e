// Pause, emergency stop and cancel: the shapes the store port speaks (both adapters implement them;
// test/contract/stops.contract.ts checks both). Pure values, no I/O.
//
// How a stop works, in the store:
// - A hold (a paused workflow, or WHOLE_TENANT: the tenant's emergency stop) is a row in `holds`.
//   Creating it moves the covered queued executions to status 'paused' in the same transaction. No
//   claim reads 'paused' and no lane counts it, so a held execution neither runs nor keeps its
//   record's lane from the other workflows' executions, and the claim query stays as it was.
// - Executions queued while a hold exists are inserted 'paused' (the catalog carries the holds;
//   creating or releasing one bumps the tenant's catalog revision, so every write sees it), and a
//   sweep, a requeue (dead-letter replay) or a worker's requeue of a covered execution makes it
//   'paused' rather than 'queued'. Breaker wake-ups (releaseWaiting) touch only 'queued' rows.
// - A running execution is not moved under its worker: stop_request asks the worker to pause or
//   cancel it. The worker reads it at its next commit (StoreTx.checkLease returns it, under the
//   lease's row lock), commits the step it just ran, and ends the execution 'paused' or 'cancelled'
//   in that same transaction. A lease that runs out first is swept to 'paused' or 'cancelled'.
// - Releasing a hold makes the executions it held 'queued' again (unless another hold still covers
//   them); their run_at is kept (a retry's backoff still applies), and one waiting on a breaker is
//   due at once and asks its breaker again.
import type { ExecutionStatus } from '../domain/types.js';

/** The workflow id of a hold over every workflow of the tenant (the emergency stop). */
export const WHOLE_TENANT = '*';

export interface HoldRow {
  tenant: string;
  /** A workflow id, or WHOLE_TENANT. */
  workflowId: string;
  /** Who asked (the actor of the request). */
  actor: string;
  reason: string;
  at: number;
}

/** What a worker is asked to do with the execution it runs, read at its next commit. */
export interface StopRequest {
  kind: 'pause' | 'cancel';
  by: string;
  reason: string;
}

/** The statuses a cancel can move: those that have not ended. */
export const CANCELLABLE = ['queued', 'paused', 'running'] as const satisfies readonly ExecutionStatus[];
export type CancellableStatus = (typeof CANCELLABLE)[number];

/** Which executions a bulk cancel moves; every given field must match. */
export interface CancelFilter {
  tenant: string;
  workflowId?: string;
  recordType?: string;
  recordId?: string;
  rootChangeId?: string;
  /** At least one; only these statuses are touched. */
  statuses: CancellableStatus[];
}

export interface StopCounts {
  /** Moved now: to 'paused' (a hold) or 'cancelled' (a cancel). */
  moved: number;
  /** Running: their workers pause or cancel them at their next commit. */
  requested: number;
}

export interface ReleaseResult {
  /** False when there was no such hold (nothing changed). */
  released: boolean;
  /** Executions made 'queued' again (or left running without a pause request). */
  resumed: number;
}

/** The hold that covers an execution of workflowId, if any: its workflow's first, else the tenant's. */
export function coveringHold(holds: ReadonlyMap<string, HoldRow>, workflowId: string): HoldRow | undefined {
  return holds.get(workflowId) ?? holds.get(WHOLE_TENANT);
}

/** What both adapters' checkLease reads: the execution's stop request, and the hold covering it. */
export interface LeaseCheckRow {
  stop_request: string | null;
  stopped_by: string | null;
  stop_reason: string | null;
  hold_actor: string | null;
  hold_reason: string | null;
}

/** A request on the execution wins over a hold (a cancel asked of it is not turned into a pause). */
export function stopRequestOf(row: LeaseCheckRow): StopRequest | undefined {
  if (row.stop_request === 'cancel' || row.stop_request === 'pause') {
    return { kind: row.stop_request, by: row.stopped_by ?? 'unknown', reason: row.stop_reason ?? '' };
  }
  if (row.hold_actor !== null) return { kind: 'pause', by: row.hold_actor, reason: row.hold_reason ?? '' };
  return undefined;
}
