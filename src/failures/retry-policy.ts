// Retry with exponential backoff and jitter. Pure math: the step runner asks for the delay after a
// failed attempt and schedules the next attempt at clock.now() + delay, so tests need no clock.
import { classifyFailure, type FailureClass } from './action-failures.js';
import { parseDuration } from '../clock.js';
import type { RetryPolicyInput } from '../domain/workflow.js';

export interface RetryPolicy {
  /** Total tries, the first included: 5 means 1 try + 4 retries. */
  readonly attempts: number;
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** Each further delay is the previous one times this. */
  readonly factor: number;
  /** Cap on any delay, jitter included (a Retry-After from the service may exceed it). */
  readonly maxMs: number;
  /** Spread each delay uniformly by ± this fraction, so retries after an outage do not arrive in step. */
  readonly jitter: number;
}

/**
 * The article's schedule: try, wait 5 s, try, wait 25 s, try, wait 125 s, try, wait 625 s, try,
 * then give up (dead-letter). "attempts: 5" counts tries, not retries.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 5, initialMs: 5_000, factor: 5, maxMs: 3_600_000, jitter: 0.2 });

/** The step's `retry` block (durations as written) to a frozen policy in milliseconds. */
export function resolveRetryPolicy(input?: Partial<RetryPolicyInput>): RetryPolicy {
  const d = DEFAULT_RETRY_POLICY;
  const policy: RetryPolicy = {
    attempts: input?.attempts ?? d.attempts,
    initialMs: input?.initial === undefined ? d.initialMs : parseDuration(input.initial),
    factor: input?.factor ?? d.factor,
    maxMs: input?.max === undefined ? d.maxMs : parseDuration(input.max),
    jitter: input?.jitter ?? d.jitter,
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`retry.attempts must be an integer >= 1, got ${policy.attempts}`);
  if (policy.factor < 1) throw new RangeError(`retry.factor must be >= 1, got ${policy.factor}`);
  if (policy.jitter < 0 || policy.jitter > 1) throw new RangeError(`retry.jitter must be within 0..1, got ${policy.jitter}`);
  return Object.freeze(policy);
}

/**
 * Milliseconds to wait after attempt `failedAttempt` (1-based) failed, or undefined when that was
 * the last attempt. `random` returns [0, 1) and is injectable for tests. A `retryAfterMs` from the
 * failure (429 Retry-After) wins when it is longer: retrying earlier would only be refused again.
 */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random, retryAfterMs?: number): number | undefined {
  if (failedAttempt >= policy.attempts) return undefined;
  const nominal = Math.min(policy.initialMs * policy.factor ** (Math.max(1, failedAttempt) - 1), policy.maxMs);
  // Uniform in [nominal·(1-j), nominal·(1+j)], clipped at maxMs: at the cap the spread is kept
  // below it, so capped retries still do not arrive together.
  const low = nominal * (1 - policy.jitter);
  const high = Math.min(nominal * (1 + policy.jitter), policy.maxMs);
  const delay = Math.round(low + random() * (high - low));
  return retryAfterMs === undefined ? delay : Math.max(delay, Math.round(retryAfterMs));
}

export type RetryDecision =
  | { retry: true; delayMs: number; failure: FailureClass }
  | { retry: false; reason: 'non_retryable' | 'exhausted'; failure: FailureClass };

/** classifyFailure + retryDelay: what to do after attempt `failedAttempt` threw `error`. */
export function decideRetry(policy: RetryPolicy, failedAttempt: number, error: unknown, random: () => number = Math.random): RetryDecision {
  const failure = classifyFailure(error);
  if (!failure.retryable) return { retry: false, reason: 'non_retryable', failure };
  const delayMs = retryDelay(policy, failedAttempt, random, failure.retryAfterMs);
  return delayMs === undefined ? { retry: false, reason: 'exhausted', failure } : { retry: true, delayMs, failure };
}
