// The decision core without a store: skip, wait, retry timing, fallbacks, dead letter and finish.
import { describe, expect, it } from 'vitest';
import type { CompiledStep } from '../../src/definitions/compile.js';
import { afterFailure, nextMove, stepFailure, type DecisionInput } from '../../src/execution/decide.js';
import { resolveRetryPolicy } from '../../src/failures/retry-policy.js';

function step(id: string, fallbacks = 0): CompiledStep {
  return {
    definition: { id, type: 'http.request' }, mode: 'sync', timeoutMs: 30_000, compiled: null,
    retry: resolveRetryPolicy({ attempts: 3, initial: '5s', factor: 5, jitter: 0 }),
    fallbacks: Array.from({ length: fallbacks }, (_, i) => step(`${id}.fallback.${i}`)),
  } as unknown as CompiledStep;
}

const steps = [step('a'), step('b'), step('c', 1)];
const base: DecisionInput = { kind: 'workflow', stepId: '', steps, checkpoints: [], now: 1_000 };
const retryable = { retryable: true, code: 'HTTP_5XX', message: 'upstream 503' };

describe('nextMove', () => {
  it('asks for the conditions before the first step, and skips with their reason', () => {
    expect(nextMove(base)).toEqual({ kind: 'check-conditions' });
    expect(nextMove({ ...base, conditions: { pass: false, reason: 'condition 0 is false: x' } })).toEqual({ kind: 'skip', reason: 'condition 0 is false: x' });
  });

  it('runs the first step not checkpointed, the last one marked last', () => {
    expect(nextMove({ ...base, conditions: { pass: true } })).toMatchObject({ kind: 'run-step', step: { definition: { id: 'a' } }, last: false });
    const resumed = nextMove({ ...base, checkpoints: [{ stepId: 'a', status: 'succeeded' }, { stepId: 'b', status: 'skipped' }] });
    expect(resumed).toMatchObject({ kind: 'run-step', step: { definition: { id: 'c' } }, last: true });
  });

  it('does not check conditions again once a step checkpointed (a resumed run goes on)', () => {
    expect(nextMove({ ...base, checkpoints: [{ stepId: 'a', status: 'succeeded' }] })).toMatchObject({ kind: 'run-step', step: { definition: { id: 'b' } } });
  });

  it('runs a failed step again (dead-letter replay) and finishes when all are done', () => {
    expect(nextMove({ ...base, checkpoints: [{ stepId: 'a', status: 'failed' }] })).toEqual({ kind: 'check-conditions' });
    const all = steps.map((s) => ({ stepId: s.definition.id, status: 'succeeded' as const }));
    expect(nextMove({ ...base, checkpoints: all })).toEqual({ kind: 'finish' });
  });

  it('waits on an open breaker without spending an attempt, naming what it waits on', () => {
    expect(nextMove({ ...base, breaker: { allowed: false, retryAt: 9_000, key: 'workflow:w' } }))
      .toEqual({ kind: 'wait', runAt: 9_000, reason: 'waiting: circuit breaker workflow:w is open', waitingOn: 'workflow:w' });
    expect(nextMove({ ...base, breaker: { allowed: false, key: 'workflow:w' } })).toMatchObject({ runAt: 61_000 });
  });

  it('an async step job runs only its step and never checks conditions', () => {
    expect(nextMove({ ...base, kind: 'step', stepId: 'b' })).toMatchObject({ kind: 'run-step', step: { definition: { id: 'b' } }, last: true });
    expect(nextMove({ ...base, kind: 'step', stepId: 'b', checkpoints: [{ stepId: 'b', status: 'succeeded' }] })).toEqual({ kind: 'finish' });
  });
});

describe('afterFailure', () => {
  it('retries a retryable failure on the backoff schedule (5 s, then 25 s)', () => {
    expect(afterFailure(steps[0]!, retryable, 1, 1_000, () => 0.5)).toMatchObject({ kind: 'retry', runAt: 6_000 });
    const second = afterFailure(steps[0]!, retryable, 2, 1_000, () => 0.5);
    expect(second).toEqual({ kind: 'retry', runAt: 26_000, reason: 'step a attempt 2 of 3 failed (HTTP_5XX): upstream 503; retrying' });
  });

  it('honours a longer Retry-After from the service', () => {
    expect(afterFailure(steps[0]!, { ...retryable, retryAfterMs: 120_000 }, 1, 0, () => 0.5)).toMatchObject({ runAt: 120_000 });
  });

  it('goes to the fallbacks when attempts are exhausted or the failure is not retryable', () => {
    expect(afterFailure(steps[0]!, retryable, 3, 1_000, () => 0.5)).toEqual({ kind: 'fallbacks' });
    expect(afterFailure(steps[0]!, { retryable: false, code: 'HTTP_4XX', message: 'bad request' }, 1, 1_000, () => 0.5)).toEqual({ kind: 'fallbacks' });
  });

  it('names the step, the attempts and the fallbacks in the dead letter', () => {
    expect(stepFailure(steps[2]!, retryable, 3)).toEqual({ stepId: 'c', code: 'HTTP_5XX', reason: 'step c failed after 3 attempt(s) and 1 fallback(s): HTTP_5XX: upstream 503' });
  });
});

describe('conditions over budget', () => {
  it('dead-letter instead of skipping', () => {
    const move = nextMove({ ...base, conditions: { pass: false, reason: 'condition 0 (c) failed: EXPRESSION_BUDGET_EXCEEDED', failure: { stepId: 'condition-0', code: 'EXPRESSION_BUDGET_EXCEEDED' } } });
    expect(move).toEqual({ kind: 'dead-letter', reason: 'condition 0 (c) failed: EXPRESSION_BUDGET_EXCEEDED', stepId: 'condition-0', code: 'EXPRESSION_BUDGET_EXCEEDED' });
  });
});
