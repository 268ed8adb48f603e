// Circuit breaker, per connector and per workflow: "if the failure rate is above 20% over the last
// 5 minutes, stop; after 15 minutes, try again". Pure functions over plain JSON, so the store can
// persist the state and many engine processes can share one breaker: read the state, call a
// function, write the result back in the same transaction (compare-and-set). Each process counts
// its outcomes in buckets of its own (a delta) and merges them into the shared state now and then
// (mergeBreakerOutcomes): the merge decides transitions on the combined counts.
//
// Imprecisions, accepted for simplicity: outcomes are counted in time buckets (the window is exact
// to one bucket), they reach the shared state up to one flush interval late, and while half-open
// any reported outcome is taken as the probe's (a failure among them wins).

export interface BreakerConfig {
  /** Open when failures / calls in the window is above this (strictly). */
  readonly failureRate: number;
  readonly windowMs: number;
  /** Fewer calls than this in the window never open the breaker: 1 failure of 2 is not an outage. */
  readonly minimumVolume: number;
  /** How long the breaker stays open before letting probes through. */
  readonly openMs: number;
  /** Calls let through at once while half-open. */
  readonly halfOpenProbes: number;
  /** Width of one counting bucket. */
  readonly bucketMs: number;
  /** A probe that reports nothing within this is taken as lost (its worker crashed) and replaced. */
  readonly probeTimeoutMs: number;
  /**
   * While every probe slot is taken, a refused call asks again after this (bounded by the probe
   * timeout). Short: the probe usually reports within seconds, and a close also wakes the waiters.
   */
  readonly probeRecheckMs: number;
  /** Transitions kept in `history`, newest last. */
  readonly historySize: number;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = Object.freeze({
  failureRate: 0.2,
  windowMs: 5 * 60_000,
  minimumVolume: 10,
  openMs: 15 * 60_000,
  halfOpenProbes: 1,
  bucketMs: 30_000,
  probeTimeoutMs: 5 * 60_000,
  probeRecheckMs: 5_000,
  historySize: 20,
});

export function resolveBreakerConfig(partial: Partial<BreakerConfig> = {}): BreakerConfig {
  const config = { ...DEFAULT_BREAKER_CONFIG, ...stripUndefined(partial) };
  if (!(config.failureRate >= 0 && config.failureRate < 1)) throw new RangeError(`breaker failureRate must be within [0, 1), got ${config.failureRate}`);
  for (const key of ['windowMs', 'openMs', 'bucketMs', 'probeTimeoutMs', 'probeRecheckMs', 'minimumVolume', 'halfOpenProbes', 'historySize'] as const) {
    if (!(config[key] > 0)) throw new RangeError(`breaker ${key} must be > 0, got ${config[key]}`);
  }
  return Object.freeze(config);
}

export type BreakerPhase = 'closed' | 'open' | 'half_open';

export interface BreakerBucket {
  /** Bucket start, epoch ms, a multiple of bucketMs. */
  start: number;
  ok: number;
  failed: number;
}

export interface BreakerTransition {
  at: number;
  from: BreakerPhase;
  to: BreakerPhase;
  reason: string;
}

export interface BreakerState {
  state: BreakerPhase;
  /** Closed only: outcomes in the window, oldest first. */
  buckets: BreakerBucket[];
  openedAt: number | null;
  probesInFlight: number;
  lastProbeAt: number | null;
  history: BreakerTransition[];
}

export function initialBreakerState(): BreakerState {
  return { state: 'closed', buckets: [], openedAt: null, probesInFlight: 0, lastProbeAt: null, history: [] };
}

export interface BreakerDecision {
  allowed: boolean;
  /** The state to persist; the very input object when nothing changed. */
  state: BreakerState;
  /** When refused: the earliest time worth asking again. */
  retryAt?: number;
}

/** May a call go through now? Moves open → half_open after openMs and hands out probe slots. */
export function breakerAllows(state: BreakerState, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerDecision {
  let current = state;
  if (current.state === 'open') {
    const reopensAt = (current.openedAt ?? now) + config.openMs;
    if (now < reopensAt) return { allowed: false, state, retryAt: reopensAt };
    current = transition(current, 'half_open', now, `open for ${Math.round(config.openMs / 1000)} s: probing`, config);
  }
  if (current.state === 'closed') return { allowed: true, state: current };

  let probes = current.probesInFlight;
  if (probes >= config.halfOpenProbes && current.lastProbeAt !== null && now - current.lastProbeAt >= config.probeTimeoutMs) probes = 0;
  if (probes >= config.halfOpenProbes) {
    const probeLostAt = (current.lastProbeAt ?? now) + config.probeTimeoutMs;
    return { allowed: false, state: current, retryAt: Math.min(probeLostAt, now + config.probeRecheckMs) };
  }
  return { allowed: true, state: { ...current, probesInFlight: probes + 1, lastProbeAt: now } };
}

/** Records how a call ended. Closed: count it, open on too many failures. Half-open: close or reopen. */
export function recordBreakerOutcome(state: BreakerState, ok: boolean, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerState {
  return mergeBreakerOutcomes(state, addOutcome([], ok, now, config), now, config);
}

/** Adds one outcome to a process's pending delta (buckets counted since its last flush). */
export function addOutcome(delta: readonly BreakerBucket[], ok: boolean, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerBucket[] {
  const start = Math.floor(now / config.bucketMs) * config.bucketMs;
  return mergeBuckets(delta, [{ start, ok: ok ? 1 : 0, failed: ok ? 0 : 1 }]);
}

/** Sums two lists of buckets by start, sorted by start (processes with skewed clocks report out of order). */
export function mergeBuckets(a: readonly BreakerBucket[], b: readonly BreakerBucket[]): BreakerBucket[] {
  const byStart = new Map<number, BreakerBucket>();
  for (const bucket of [...a, ...b]) {
    const found = byStart.get(bucket.start);
    byStart.set(bucket.start, { start: bucket.start, ok: (found?.ok ?? 0) + bucket.ok, failed: (found?.failed ?? 0) + bucket.failed });
  }
  return [...byStart.values()].sort((x, y) => x.start - y.start);
}

/**
 * Merges a delta of outcomes (one process's, since its last flush) into the shared state and
 * decides the transition on the combined counts. Closed: count them, open on too many failures.
 * Half-open: any failure reopens, else a success closes. Open: late outcomes change nothing.
 */
export function mergeBreakerOutcomes(state: BreakerState, delta: readonly BreakerBucket[], now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerState {
  const added = countBuckets(delta);
  if (added.total === 0) return state;
  if (state.state === 'half_open') {
    return added.failed > 0
      ? transition(state, 'open', now, 'probe failed', config)
      : transition(state, 'closed', now, 'probe succeeded', config);
  }
  // Open: a late outcome of a call that started before the breaker opened changes nothing.
  if (state.state === 'open') return state;

  const buckets = liveBuckets(mergeBuckets(state.buckets, delta), now, config);
  const next = { ...state, buckets };
  // Only failures can push the rate over: successes alone never open the breaker.
  if (added.failed === 0) return next;
  const { total, failed, rate } = countBuckets(buckets);
  if (total >= config.minimumVolume && rate > config.failureRate) {
    const reason = `${failed} of ${total} calls failed (${Math.round(rate * 100)}%) within ${Math.round(config.windowMs / 1000)} s`;
    return transition(next, 'open', now, reason, config);
  }
  return next;
}

export interface BreakerStats {
  total: number;
  failed: number;
  rate: number;
}

/** Calls and failures in the window as of `now` (for the dashboard and metrics). */
export function breakerStats(state: BreakerState, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerStats {
  return countBuckets(liveBuckets(state.buckets, now, config));
}

function transition(state: BreakerState, to: BreakerPhase, now: number, reason: string, config: BreakerConfig): BreakerState {
  const history = [...state.history, { at: now, from: state.state, to, reason }].slice(-config.historySize);
  // Every transition starts a fresh count: the outage's failures must not reopen a recovered breaker.
  return {
    state: to,
    buckets: [],
    openedAt: to === 'open' ? now : null,
    probesInFlight: 0,
    lastProbeAt: null,
    history,
  };
}

/** Buckets that overlap the window (now - windowMs, now]. */
function liveBuckets(buckets: readonly BreakerBucket[], now: number, config: BreakerConfig): BreakerBucket[] {
  const windowStart = now - config.windowMs;
  return buckets.filter((b) => b.start + config.bucketMs > windowStart);
}

function countBuckets(buckets: readonly BreakerBucket[]): BreakerStats {
  let total = 0;
  let failed = 0;
  for (const b of buckets) {
    total += b.ok + b.failed;
    failed += b.failed;
  }
  return { total, failed, rate: total === 0 ? 0 : failed / total };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
