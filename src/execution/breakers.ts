// Circuit breakers shared through the store by every process, one per connector and per workflow,
// without a store round trip per execution:
// - outcomes are counted in memory (a pending delta per breaker) and flushed in one transaction
//   per breaker per flush interval, merged into the shared row under its lock (tx.getBreaker);
//   the pure functions decide transitions on the merged state, so an alert is raised exactly once;
// - a flush happens at once when the state is not closed (a probe's outcome) or when a failure
//   would open the breaker on what this process knows, so an outage still opens it promptly;
// - `allow` answers from a per-process copy of the row, refreshed by each flush and at most
//   `flushMs` old; only a decision that changes the state (a probe slot) takes a transaction;
// - when a breaker closes, executions waiting on it are made due now and workers woken
//   (store.releaseWaiting + notifyQueued), in every process.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Alerts } from '../observability/alerts.js';
import type { Store } from '../store/port.js';
import type { AlertRow, Json } from '../domain/types.js';
import { addOutcome, breakerAllows, initialBreakerState, mergeBreakerOutcomes, mergeBuckets, type BreakerBucket, type BreakerConfig, type BreakerDecision, type BreakerState } from '../failures/circuit-breaker.js';

export interface BreakersOptions {
  /** Longest time an outcome waits in memory before it is written, and the age of the cached state. Default 250 ms. */
  flushMs?: number;
}

export const DEFAULT_BREAKER_FLUSH_MS = 250;

/** One breaker as this process sees it. */
interface Entry {
  readonly tenant: string;
  readonly key: string;
  config: BreakerConfig;
  /** The shared state as last read or written, and when (clock time). */
  cached?: { state: BreakerState; at: number };
  /** Outcomes counted here and not yet merged into the shared row. */
  pending: BreakerBucket[];
  pendingSince?: number;
  /** The flush in progress (flushes of one breaker run one after another). */
  flushing: Promise<void>;
  /** Cancels the scheduled flush. */
  timer?: AbortController;
}

export class Breakers {
  private readonly entries = new Map<string, Entry>();
  private readonly flushMs: number;

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly alerts: Alerts, options: BreakersOptions = {}) {
    this.flushMs = options.flushMs ?? DEFAULT_BREAKER_FLUSH_MS;
  }

  /** May a call (or an execution) go through now? Persists the probe slot it hands out. */
  async allow(tenant: string, key: string, config: BreakerConfig): Promise<BreakerDecision> {
    const entry = this.entry(tenant, key, config);
    const now = this.clock.now();
    // A stale copy with outcomes pending: their flush reads the row anyway (and refreshes the copy).
    if (this.isStale(entry, now) && entry.pending.length > 0) await this.flushEntry(entry);
    const stale = this.isStale(entry, now);
    let state = stale ? await this.refresh(entry, now) : (entry.cached as { state: BreakerState }).state;
    let decision = breakerAllows(state, now, config);
    // Every probe slot taken: the probe may have closed the breaker in another process, so a
    // refusal is only served from the row as it is now (a read, no lock).
    if (!decision.allowed && state.state === 'half_open' && !stale) {
      state = await this.refresh(entry, now);
      decision = breakerAllows(state, now, config);
    }
    // Nothing to persist (closed, still open, no free probe slot): no transaction.
    if (decision.state === state) return decision;
    const taken = await this.store.transaction(async (tx) => {
      const shared = parse((await tx.getBreaker(tenant, key))?.state);
      const d = breakerAllows(shared, now, config);
      if (d.state !== shared) await tx.putBreaker({ tenant, key, state: d.state as unknown as Json, updatedAt: now });
      return d;
    });
    entry.cached = { state: taken.state, at: now };
    return taken;
  }

  /**
   * Is the breaker closed, as this process last saw it (refreshed at most once per flush
   * interval)? Unlike allow, it hands out no probe slot: the batch runner asks it and leaves every
   * breaker that is not closed to the one-at-a-time runner.
   */
  async isClosed(tenant: string, key: string, config: BreakerConfig): Promise<boolean> {
    const entry = this.entry(tenant, key, config);
    const now = this.clock.now();
    const state = this.isStale(entry, now) ? await this.refresh(entry, now) : (entry.cached as { state: BreakerState }).state;
    return state.state === 'closed';
  }

  /**
   * Counts an outcome. It is written with the next flush, at once when the breaker is not closed
   * or when this failure would open it; a transition raises an alert.
   */
  async record(tenant: string, key: string, ok: boolean, config: BreakerConfig): Promise<void> {
    const entry = this.entry(tenant, key, config);
    const now = this.clock.now();
    entry.pending = addOutcome(entry.pending, ok, now, config);
    entry.pendingSince ??= now;
    const known = entry.cached?.state ?? initialBreakerState();
    const urgent = known.state !== 'closed' || (!ok && mergeBreakerOutcomes(known, entry.pending, now, config).state === 'open');
    if (urgent || now - entry.pendingSince >= this.flushMs) return this.flushEntry(entry);
    this.schedule(entry);
  }

  /** Writes every pending outcome now (the worker's stop calls it). */
  async flush(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.flushEntry(entry)));
  }

  private entry(tenant: string, key: string, config: BreakerConfig): Entry {
    const id = `${tenant}\u0000${key}`;
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { tenant, key, config, pending: [], flushing: Promise.resolve() };
      this.entries.set(id, entry);
    }
    entry.config = config;
    return entry;
  }

  private isStale(entry: Entry, now: number): boolean {
    return !entry.cached || now - entry.cached.at >= this.flushMs;
  }

  private async refresh(entry: Entry, now: number): Promise<BreakerState> {
    const state = parse((await this.store.getBreaker(entry.tenant, entry.key))?.state);
    entry.cached = { state, at: now };
    return state;
  }

  private schedule(entry: Entry): void {
    if (entry.timer) return;
    const timer = new AbortController();
    entry.timer = timer;
    void this.clock.sleep(this.flushMs, timer.signal).then(() => {
      if (timer.signal.aborted) return;
      entry.timer = undefined;
      // A failed flush keeps its outcomes pending; try again one interval later.
      this.flushEntry(entry).catch(() => this.schedule(entry));
    });
  }

  private flushEntry(entry: Entry): Promise<void> {
    entry.timer?.abort();
    entry.timer = undefined;
    const run = entry.flushing.catch(() => undefined).then(() => this.write(entry));
    entry.flushing = run;
    return run;
  }

  /** Merges the pending delta into the shared row in one transaction; alerts and wakes after commit. */
  private async write(entry: Entry): Promise<void> {
    const delta = entry.pending;
    if (delta.length === 0) return;
    entry.pending = [];
    entry.pendingSince = undefined;
    const { tenant, key, config } = entry;
    const now = this.clock.now();
    let result: { state: BreakerState; alert?: AlertRow; closed: boolean };
    try {
      result = await this.store.transaction(async (tx) => {
        const shared = parse((await tx.getBreaker(tenant, key))?.state);
        const next = mergeBreakerOutcomes(shared, delta, now, config);
        if (next !== shared) await tx.putBreaker({ tenant, key, state: next as unknown as Json, updatedAt: now });
        const alert = transitionAlert(tenant, key, shared, next, now);
        if (alert) await tx.insertAlert(alert);
        return { state: next, alert, closed: shared.state !== 'closed' && next.state === 'closed' };
      });
    } catch (error) {
      // Not written: keep the outcomes for the next flush (with any counted meanwhile).
      entry.pending = mergeBuckets(delta, entry.pending);
      entry.pendingSince = Math.min(entry.pendingSince ?? now, now);
      throw error;
    }
    entry.cached = { state: result.state, at: now };
    if (result.alert) await this.alerts.deliver(result.alert);
    if (result.closed && (await this.store.releaseWaiting(tenant, key, now)) > 0) await this.store.notifyQueued();
  }
}

function parse(state: Json | undefined): BreakerState {
  return (state as unknown as BreakerState | undefined) ?? initialBreakerState();
}

/** The alert for a move to open or back to closed; none for no move or open -> half-open. */
function transitionAlert(tenant: string, key: string, from: BreakerState, to: BreakerState, now: number): AlertRow | undefined {
  if (to.state === from.state || to.state === 'half_open') return undefined;
  const reason = to.history.at(-1)?.reason ?? '';
  const opened = to.state === 'open';
  return {
    id: randomUUID(), tenant, at: now,
    kind: opened ? 'breaker_open' : 'breaker_closed',
    severity: opened ? 'critical' : 'info',
    message: `circuit breaker ${key} ${opened ? 'opened' : 'closed'}: ${reason}`,
    details: { key, from: from.state, to: to.state, reason },
  };
}
