// Control flow between the runner and the step code: a step either checkpoints, or asks for the
// execution to wait (retry backoff, open breaker, rate limit), or fails for good.

/**
 * Put the execution back in the queue until runAt; nothing failed for good. `waitingOn` names the
 * circuit breaker it waits for: when that closes, the execution is made due at once.
 */
export class Requeue extends Error {
  constructor(readonly runAt: number, readonly reason: string, readonly waitingOn?: string) {
    super(reason);
  }
}

/** A step failed after its retries and fallbacks: the execution is dead-lettered. */
export class StepFailed extends Error {
  constructor(readonly stepId: string, readonly code: string, message: string) {
    super(message);
  }
}
