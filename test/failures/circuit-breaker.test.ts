import { describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER_CONFIG, addOutcome, breakerAllows, breakerStats, initialBreakerState, mergeBreakerOutcomes, recordBreakerOutcome, resolveBreakerConfig, type BreakerBucket, type BreakerState } from '../../src/failures/circuit-breaker.js';
import { resolveConfig } from '../../src/config.js';
import { resolveConnectors } from '../../src/actions/connectors/config.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;

function record(state: BreakerState, outcomes: boolean[], at: number): BreakerState {
  return outcomes.reduce((s, ok) => recordBreakerOutcome(s, ok, at), state);
}
const oks = (n: number): boolean[] => Array<boolean>(n).fill(true);
const fails = (n: number): boolean[] => Array<boolean>(n).fill(false);
/** One process's pending delta: outcomes counted at `at`. */
function delta(outcomes: boolean[], at: number, from: BreakerBucket[] = []): BreakerBucket[] {
  return outcomes.reduce((d, ok) => addOutcome(d, ok, at), from);
}

describe('circuit breaker', () => {
  it('has the article defaults', () => {
    expect(DEFAULT_BREAKER_CONFIG).toMatchObject({ failureRate: 0.2, windowMs: 5 * MIN, minimumVolume: 10, openMs: 15 * MIN, halfOpenProbes: 1 });
  });

  it('stays closed at 20% and opens above it, once the minimum volume is reached', () => {
    const atTwenty = record(initialBreakerState(), [...oks(8), ...fails(2)], T0);
    expect(atTwenty.state).toBe('closed');
    expect(breakerStats(atTwenty, T0)).toEqual({ total: 10, failed: 2, rate: 0.2 });
    const above = recordBreakerOutcome(atTwenty, false, T0 + 1000);
    expect(above.state).toBe('open');
    expect(above.openedAt).toBe(T0 + 1000);
    expect(above.history).toEqual([{ at: T0 + 1000, from: 'closed', to: 'open', reason: '3 of 11 calls failed (27%) within 300 s' }]);
  });

  it('counts the successes before the first failure: 200 successes then 10 failures (10/210) stay closed', () => {
    const atOnce = record(initialBreakerState(), [...oks(200), ...fails(10)], T0);
    expect(atOnce.state).toBe('closed');
    expect(breakerStats(atOnce, T0)).toMatchObject({ total: 210, failed: 10 });
    // The same outcomes merged as deltas (how processes flush them), spread over the window.
    const successes = mergeBreakerOutcomes(initialBreakerState(), delta(oks(100), T0, delta(oks(100), T0 + MIN)), T0 + MIN);
    const merged = mergeBreakerOutcomes(successes, delta(fails(10), T0 + 2 * MIN), T0 + 2 * MIN);
    expect(merged.state).toBe('closed');
    expect(breakerStats(merged, T0 + 2 * MIN)).toEqual({ total: 210, failed: 10, rate: 10 / 210 });
  });

  it('decides on the merged counts of several processes, and returns the input when the delta is empty', () => {
    const a = delta([...oks(2), ...fails(4)], T0);
    const b = delta([...oks(2), ...fails(4)], T0 + 1000);
    const afterA = mergeBreakerOutcomes(initialBreakerState(), a, T0);
    expect(afterA.state).toBe('closed'); // 6 calls: below the minimum volume
    const afterB = mergeBreakerOutcomes(afterA, b, T0 + 1000);
    expect(afterB.state).toBe('open');
    expect(afterB.history.at(-1)?.reason).toBe('8 of 12 calls failed (67%) within 300 s');
    expect(mergeBreakerOutcomes(afterA, [], T0 + 1000)).toBe(afterA);
    // Outcomes older than the window are dropped by the merge.
    expect(breakerStats(mergeBreakerOutcomes(afterA, delta(oks(1), T0 + 6 * MIN), T0 + 6 * MIN), T0 + 6 * MIN).total).toBe(1);
  });

  it('half-open: a merged delta with any failure reopens, one with only successes closes; open ignores it', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    const probing = breakerAllows(open, T0 + 15 * MIN).state;
    expect(mergeBreakerOutcomes(probing, delta([true, false, true], T0 + 16 * MIN), T0 + 16 * MIN).state).toBe('open');
    expect(mergeBreakerOutcomes(probing, delta([true, true], T0 + 16 * MIN), T0 + 16 * MIN).state).toBe('closed');
    expect(mergeBreakerOutcomes(open, delta([true, false], T0 + MIN), T0 + MIN)).toBe(open);
  });

  it('never opens below the minimum volume', () => {
    const state = record(initialBreakerState(), fails(9), T0);
    expect(state.state).toBe('closed');
    expect(recordBreakerOutcome(state, false, T0).state).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    const old = record(initialBreakerState(), fails(9), T0);
    const later = T0 + 5 * MIN + 30_000;
    expect(breakerStats(old, later).total).toBe(0);
    const state = record(old, [...oks(9), false], later);
    expect(state.state).toBe('closed');
    expect(state.buckets.every((b) => b.start >= T0 + 5 * MIN)).toBe(true);
  });

  it('is plain JSON that survives a round trip, and never mutates its input', () => {
    const state = record(initialBreakerState(), [true, false], T0);
    const copy = JSON.parse(JSON.stringify(state)) as BreakerState;
    expect(recordBreakerOutcome(copy, false, T0)).toEqual(recordBreakerOutcome(state, false, T0));
    const frozen = Object.freeze(record(initialBreakerState(), fails(3), T0));
    expect(() => recordBreakerOutcome(frozen, false, T0)).not.toThrow();
  });

  it('refuses while open, then lets one probe through after 15 minutes', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    expect(open.state).toBe('open');
    const early = breakerAllows(open, T0 + 14 * MIN);
    expect(early).toEqual({ allowed: false, state: open, retryAt: T0 + 15 * MIN });
    expect(early.state).toBe(open); // unchanged: nothing to persist

    const probe = breakerAllows(open, T0 + 15 * MIN);
    expect(probe.allowed).toBe(true);
    expect(probe.state).toMatchObject({ state: 'half_open', probesInFlight: 1 });
    const second = breakerAllows(probe.state, T0 + 15 * MIN + 1000);
    expect(second.allowed).toBe(false);
    // Asks again shortly (a close also wakes it), not after the probe timeout.
    expect(second.retryAt).toBe(T0 + 15 * MIN + 1000 + DEFAULT_BREAKER_CONFIG.probeRecheckMs);
  });

  it('rechecks a busy half-open breaker no later than the probe is taken as lost', () => {
    const config = resolveBreakerConfig({ probeTimeoutMs: 10_000, probeRecheckMs: 4_000 });
    const open = record(initialBreakerState(), fails(10), T0);
    const probing = breakerAllows(open, T0 + 15 * MIN, config).state;
    expect(breakerAllows(probing, T0 + 15 * MIN + 1000, config).retryAt).toBe(T0 + 15 * MIN + 5000);
    expect(breakerAllows(probing, T0 + 15 * MIN + 8000, config).retryAt).toBe(T0 + 15 * MIN + 10_000);
    expect(() => resolveBreakerConfig({ probeRecheckMs: 0 })).toThrow(RangeError);
  });

  it('takes the probe timeout and recheck delay from the workflow and connector breaker settings', () => {
    const config = resolveConfig({ workflowBreaker: { probeTimeout: '2m', probeRecheck: '1s' }, worker: { breakerFlush: '100ms' } });
    expect(config.workflowBreaker).toMatchObject({ probeTimeoutMs: 2 * MIN, probeRecheckMs: 1000 });
    expect(config.worker.breakerFlushMs).toBe(100);
    expect(resolveConfig({}).worker.breakerFlushMs).toBe(250);
    const connectors = resolveConnectors([{ name: 'api', type: 'http', settings: { baseUrl: 'https://api.example.com' }, breaker: { probeTimeout: '30s', probeRecheck: 500 } }], { env: {} });
    expect(connectors.get('api')?.breaker).toMatchObject({ probeTimeoutMs: 30_000, probeRecheckMs: 500 });
  });

  it('closes when the probe succeeds', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    const probing = breakerAllows(open, T0 + 15 * MIN).state;
    const closed = recordBreakerOutcome(probing, true, T0 + 15 * MIN + 200);
    expect(closed).toMatchObject({ state: 'closed', buckets: [], openedAt: null, probesInFlight: 0 });
    expect(closed.history.map((h) => `${h.from}->${h.to}`)).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    expect(breakerAllows(closed, T0 + 15 * MIN + 300).allowed).toBe(true);
    // The outage's failures are gone: one failure does not reopen it.
    expect(recordBreakerOutcome(closed, false, T0 + 15 * MIN + 400).state).toBe('closed');
  });

  it('reopens for another 15 minutes when the probe fails', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    const probing = breakerAllows(open, T0 + 15 * MIN).state;
    const reopened = recordBreakerOutcome(probing, false, T0 + 16 * MIN);
    expect(reopened).toMatchObject({ state: 'open', openedAt: T0 + 16 * MIN });
    expect(breakerAllows(reopened, T0 + 30 * MIN).allowed).toBe(false);
    expect(breakerAllows(reopened, T0 + 31 * MIN).allowed).toBe(true);
  });

  it('replaces a probe that never reported (its worker died)', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    const probing = breakerAllows(open, T0 + 15 * MIN).state;
    const replaced = breakerAllows(probing, T0 + 15 * MIN + DEFAULT_BREAKER_CONFIG.probeTimeoutMs);
    expect(replaced.allowed).toBe(true);
    expect(replaced.state.probesInFlight).toBe(1);
  });

  it('ignores late outcomes while open', () => {
    const open = record(initialBreakerState(), fails(10), T0);
    expect(recordBreakerOutcome(open, true, T0 + MIN)).toBe(open);
    expect(recordBreakerOutcome(open, false, T0 + MIN)).toBe(open);
  });

  it('is configurable', () => {
    const config = resolveBreakerConfig({ failureRate: 0.5, minimumVolume: 4, openMs: MIN, halfOpenProbes: 2, historySize: 2 });
    let state = [true, true, false, false].reduce((s, ok) => recordBreakerOutcome(s, ok, T0, config), initialBreakerState());
    expect(state.state).toBe('closed'); // 50% is not above 50%
    state = recordBreakerOutcome(state, false, T0, config);
    expect(state.state).toBe('open');
    const first = breakerAllows(state, T0 + MIN, config);
    const second = breakerAllows(first.state, T0 + MIN, config);
    const third = breakerAllows(second.state, T0 + MIN, config);
    expect([first.allowed, second.allowed, third.allowed]).toEqual([true, true, false]);
    expect(recordBreakerOutcome(third.state, true, T0 + MIN, config).history).toHaveLength(2);
    expect(() => resolveBreakerConfig({ failureRate: 1.5 })).toThrow(RangeError);
  });
});
