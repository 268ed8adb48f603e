import { describe, expect, it } from 'vitest';
import { NonRetryableError, RetryAfterError } from '../../src/failures/action-failures.js';
import { DEFAULT_RETRY_POLICY, decideRetry, resolveRetryPolicy, retryDelay } from '../../src/failures/retry-policy.js';

const mid = (): number => 0.5; // no jitter: the middle of the spread
const low = (): number => 0;
const high = (): number => 0.999999;

describe('retry policy', () => {
  it('defaults to the article: 5 attempts, 5 s then x5, jitter 0.2', () => {
    const policy = resolveRetryPolicy(undefined);
    expect(policy).toEqual({ attempts: 5, initialMs: 5000, factor: 5, maxMs: 3_600_000, jitter: 0.2 });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(policy).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('backs off 5 s, 25 s, 125 s, 625 s and is exhausted after the 5th attempt', () => {
    const policy = resolveRetryPolicy();
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(policy, attempt, mid))).toEqual([5000, 25_000, 125_000, 625_000, undefined]);
    expect(retryDelay(policy, 6, mid)).toBeUndefined();
  });

  it('keeps jitter within ± the fraction', () => {
    const policy = resolveRetryPolicy();
    expect(retryDelay(policy, 1, low)).toBe(4000);
    expect(retryDelay(policy, 1, high)).toBe(6000);
    expect(retryDelay(policy, 2, low)).toBe(20_000);
    expect(retryDelay(policy, 2, high)).toBe(30_000);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelay(policy, 3, Math.random) as number;
      expect(delay).toBeGreaterThanOrEqual(100_000);
      expect(delay).toBeLessThanOrEqual(150_000);
    }
  });

  it('reads durations from the step and caps delays at max, jitter included', () => {
    const policy = resolveRetryPolicy({ attempts: 10, initial: '1s', factor: 2, max: '10s', jitter: 0.5 });
    expect(policy).toMatchObject({ attempts: 10, initialMs: 1000, factor: 2, maxMs: 10_000, jitter: 0.5 });
    expect(retryDelay(policy, 3, mid)).toBe(4000);
    // Capped: the spread stays below the cap, so capped retries still do not arrive together.
    expect(retryDelay(policy, 8, high)).toBe(10_000);
    expect(retryDelay(policy, 8, low)).toBe(5000);
  });

  it('jitter 0 gives exact delays; attempts 1 never retries', () => {
    expect(retryDelay(resolveRetryPolicy({ jitter: 0 }), 2, Math.random)).toBe(25_000);
    expect(retryDelay(resolveRetryPolicy({ attempts: 1 }), 1, mid)).toBeUndefined();
  });

  it('waits at least as long as a Retry-After', () => {
    const policy = resolveRetryPolicy({ jitter: 0 });
    expect(retryDelay(policy, 1, mid, 60_000)).toBe(60_000);
    expect(retryDelay(policy, 2, mid, 1000)).toBe(25_000);
    expect(retryDelay(policy, 5, mid, 1000)).toBeUndefined();
  });

  it('rejects nonsense', () => {
    expect(() => resolveRetryPolicy({ attempts: 0 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ factor: 0.5 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ initial: 'soon' })).toThrow();
  });

  it('decideRetry combines classification and backoff', () => {
    const policy = resolveRetryPolicy({ jitter: 0 });
    expect(decideRetry(policy, 1, new NonRetryableError('bad request'))).toMatchObject({ retry: false, reason: 'non_retryable', failure: { code: 'NON_RETRYABLE' } });
    expect(decideRetry(policy, 1, new RetryAfterError(90_000))).toMatchObject({ retry: true, delayMs: 90_000 });
    expect(decideRetry(policy, 2, Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toMatchObject({ retry: true, delayMs: 25_000, failure: { code: 'NETWORK_ERROR' } });
    expect(decideRetry(policy, 5, new Error('boom'))).toMatchObject({ retry: false, reason: 'exhausted' });
  });
});
