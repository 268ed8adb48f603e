// The decision core: what happens next to one execution, as data. Pure: it takes the execution's
// loaded context (its steps' checkpoints, failed attempts, the breaker's verdict, the outcome of
// the conditions, the clock) and returns a move; the runner performs the move and asks again.
// Nothing here reads the store, calls out or throws to signal a decision, so simulation, shadow
// runs and unit tests can drive it without a store.
import type { FailureClass } from '../failures/action-failures.js';
import type { CompiledStep } from '../definitions/compile.js';
import type { StepRow } from '../domain/types.js';
import { retryDelay, type RetryPolicy } from '../failures/retry-policy.js';
import { LOOKUP_CHECKPOINT_PREFIX } from '../definitions/conditions.js';

/** What the decision core needs to know about an execution at this moment. */
export interface DecisionInput {
  /** 'workflow' runs every step; 'step' is an async step's own job and runs just `stepId`. */
  kind: 'workflow' | 'step';
  stepId: string;
  steps: readonly CompiledStep[];
  /** This execution's checkpoints so far. */
  checkpoints: readonly Pick<StepRow, 'stepId' | 'status'>[];
  /** The workflow breaker's verdict; undefined when the caller has not asked it (step jobs). */
  breaker?: { allowed: boolean; retryAt?: number; key: string };
  /**
   * Outcome of the conditions when checked in this run: undefined while not yet checked. `retryAt`:
   * a lookup failed and is retried then (its attempt is recorded); `failure`: it failed for good.
   */
  conditions?: { pass: true } | { pass: false; reason: string; failure?: { stepId: string; code: string }; retryAt?: number };
  now: number;
}

export type Move =
  /** Wait without spending an attempt (open breaker): back to the queue until runAt. */
  | { kind: 'wait'; runAt: number; reason: string; waitingOn?: string }
  /** Evaluate the conditions on the record as it is now, then decide again. */
  | { kind: 'check-conditions' }
  | { kind: 'skip'; reason: string }
  /** The execution fails for good: dead letter, alert and ops task. */
  | { kind: 'dead-letter'; reason: string; stepId: string; code: string }
  /** Run this step (its own action first); `last` lets its checkpoint end the execution. */
  | { kind: 'run-step'; step: CompiledStep; last: boolean }
  | { kind: 'finish' };

/** How long an execution waits on an open breaker that gave no retry time. */
export const BREAKER_DEFAULT_WAIT_MS = 60_000;

/** The next move of an execution, from its loaded context. */
export function nextMove(input: DecisionInput): Move {
  const { breaker } = input;
  if (breaker && !breaker.allowed) {
    return { kind: 'wait', runAt: breaker.retryAt ?? input.now + BREAKER_DEFAULT_WAIT_MS, reason: `waiting: circuit breaker ${breaker.key} is open`, waitingOn: breaker.key };
  }
  // A failed step is not done: a dead-letter replay runs it again; every other checkpoint stands.
  const done = new Set(input.checkpoints.filter((s) => s.status !== 'failed').map((s) => s.stepId));
  // Conditions gate a workflow's first step only: once a step checkpointed, a resumed run goes on.
  // A lookup's checkpoint is not a step: it caches the lookup's answer for the conditions' next check.
  if (input.kind === 'workflow' && ![...done].some((id) => !id.startsWith(LOOKUP_CHECKPOINT_PREFIX))) {
    if (!input.conditions) return { kind: 'check-conditions' };
    const c = input.conditions;
    if (!c.pass) {
      if (c.failure) return { kind: 'dead-letter', reason: c.reason, ...c.failure };
      return c.retryAt !== undefined ? { kind: 'wait', runAt: c.retryAt, reason: c.reason } : { kind: 'skip', reason: c.reason };
    }
  }
  const steps = input.kind === 'step' ? input.steps.filter((s) => s.definition.id === input.stepId) : input.steps;
  for (const [index, step] of steps.entries()) {
    if (!done.has(step.definition.id)) return { kind: 'run-step', step, last: index === steps.length - 1 };
  }
  return { kind: 'finish' };
}

export type FailureMove =
  /** Retry the step's own action later; nothing failed for good. */
  | { kind: 'retry'; runAt: number; reason: string }
  /** Retries are exhausted (or the failure is not retryable): try the fallbacks in order. */
  | { kind: 'fallbacks' };

/**
 * After the step's own action failed on its `failedAttempt`-th try (1-based, this one included):
 * retry later while the failure is retryable and attempts remain, else go to the fallbacks.
 */
export function afterFailure(step: CompiledStep, failure: FailureClass, failedAttempt: number, now: number, random: () => number): FailureMove {
  if (failure.retryable) {
    const delay = retryDelay(step.retry, failedAttempt, random, failure.retryAfterMs);
    if (delay !== undefined) {
      return { kind: 'retry', runAt: now + delay, reason: `step ${step.definition.id} attempt ${failedAttempt} of ${step.retry.attempts} failed (${failure.code}): ${failure.message}; retrying` };
    }
  }
  return { kind: 'fallbacks' };
}

/** The dead letter of a step whose retries and fallbacks all failed: its code and reason. */
export function stepFailure(step: CompiledStep, failure: FailureClass, failedAttempt: number): { stepId: string; code: string; reason: string } {
  const tried = step.fallbacks.length > 0 ? ` and ${step.fallbacks.length} fallback(s)` : '';
  return {
    stepId: step.definition.id,
    code: failure.code,
    reason: `step ${step.definition.id} failed after ${failedAttempt} attempt(s)${tried}: ${failure.code}: ${failure.message}`,
  };
}

/**
 * A lookup condition that failed on its `failedAttempt`-th try: retried as a step is (its retry
 * policy, retryable failures only, honouring Retry-After), else the execution is dead-lettered (a
 * lookup has no fallbacks). An open breaker or a rate limit never gets here: they only wait.
 */
export function afterLookupFailure(
  lookup: { name: string; retry: RetryPolicy }, stepId: string, failure: FailureClass, failedAttempt: number, now: number, random: () => number,
): { kind: 'retry'; runAt: number; reason: string } | { kind: 'dead-letter'; stepId: string; code: string; reason: string } {
  const delay = failure.retryable ? retryDelay(lookup.retry, failedAttempt, random, failure.retryAfterMs) : undefined;
  if (delay !== undefined) {
    return { kind: 'retry', runAt: now + delay, reason: `lookup ${lookup.name} attempt ${failedAttempt} of ${lookup.retry.attempts} failed (${failure.code}): ${failure.message}; retrying` };
  }
  return { kind: 'dead-letter', stepId, code: failure.code, reason: `lookup ${lookup.name} failed after ${failedAttempt} attempt(s): ${failure.code}: ${failure.message}` };
}
