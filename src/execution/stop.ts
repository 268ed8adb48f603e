// What a worker does when it is told to stop an execution (store/stops.ts): pure decisions.
// The worker learns it at its next commit (StoreTx.checkLease, fenced by the lease): it commits
// the step it just ran, and ends the execution in that same transaction, 'paused' (to be resumed)
// or 'cancelled' (final, saying who cancelled it and why). A data step not yet applied is not
// applied; an outside call already made is checkpointed with its effect, so nothing is lost and
// nothing runs twice on resume.
import type { ExecutionUpdate } from '../store/port.js';
import type { StopRequest } from '../store/stops.js';

/** Where a requeue would have left the execution: a paused one keeps it for when it is resumed. */
export interface Requeued {
  runAt: number;
  reason: string | null;
  waitingOn?: string | null;
}

/** The finish that carries out a stop; `requeued` when the worker was about to requeue it (retry, breaker). */
export function stoppedUpdate(stop: StopRequest, now: number, requeued?: Requeued): ExecutionUpdate {
  if (stop.kind === 'cancel') {
    return { status: 'cancelled', reason: stop.reason, finishedAt: now, stoppedBy: stop.by, stopReason: stop.reason };
  }
  return {
    status: 'paused', reason: requeued?.reason ?? null, finishedAt: null, runAt: requeued?.runAt ?? now,
    waitingOn: requeued?.waitingOn ?? null, stoppedBy: stop.by, stopReason: stop.reason,
  };
}

/** Thrown after the transaction that stopped the execution committed: the runner ends here. */
export class Stopped extends Error {
  constructor(readonly update: ExecutionUpdate) {
    super(`execution ${update.status}: ${update.stopReason ?? ''}`);
  }
}
