// Circuit breakers persisted in the store, so every process shares one breaker per connector and
// per workflow. Each read-decide-write runs in one transaction; transitions raise alerts.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Alerts } from '../observability/alerts.js';
import type { Store } from '../store/port.js';
import type { AlertRow, Json } from '../store/types.js';
import { breakerAllows, initialBreakerState, recordBreakerOutcome, type BreakerConfig, type BreakerDecision, type BreakerState } from './circuit-breaker.js';

export class Breakers {
  constructor(private readonly store: Store, private readonly clock: Clock, private readonly alerts: Alerts) {}

  /** May a call (or an execution) go through now? Persists the probe slot it hands out. */
  async allow(tenant: string, key: string, config: BreakerConfig): Promise<BreakerDecision> {
    const now = this.clock.now();
    // Fast path: no row, or closed, needs no write.
    const existing = await this.read(tenant, key);
    if (existing.state === 'closed') return { allowed: true, state: existing };
    return this.store.transaction(async (tx) => {
      const row = await tx.getBreaker(tenant, key);
      const state = (row?.state as unknown as BreakerState | undefined) ?? initialBreakerState();
      const decision = breakerAllows(state, now, config);
      if (decision.state !== state) await tx.putBreaker({ tenant, key, state: decision.state as unknown as Json, updatedAt: now });
      return decision;
    });
  }

  /** Records an outcome; a transition to open or back to closed raises an alert. */
  async record(tenant: string, key: string, ok: boolean, config: BreakerConfig): Promise<void> {
    const now = this.clock.now();
    const existing = await this.read(tenant, key);
    // Successes while closed with an empty window change nothing worth a write.
    if (ok && existing.state === 'closed' && existing.buckets.length === 0) return;
    const raised = await this.store.transaction(async (tx) => {
      const row = await tx.getBreaker(tenant, key);
      const state = (row?.state as unknown as BreakerState | undefined) ?? initialBreakerState();
      const next = recordBreakerOutcome(state, ok, now, config);
      if (next !== state) await tx.putBreaker({ tenant, key, state: next as unknown as Json, updatedAt: now });
      if (next.state === state.state) return undefined;
      const last = next.history.at(-1);
      const alert: AlertRow = {
        id: randomUUID(), tenant, at: now,
        kind: next.state === 'open' ? 'breaker_open' : 'breaker_closed',
        severity: next.state === 'open' ? 'critical' : 'info',
        message: `circuit breaker ${key} ${next.state === 'open' ? 'opened' : next.state === 'closed' ? 'closed' : 'is half-open'}: ${last?.reason ?? ''}`,
        details: { key, from: state.state, to: next.state, reason: last?.reason ?? null },
      };
      if (next.state === 'half_open') return undefined;
      await tx.insertAlert(alert);
      return alert;
    });
    if (raised) await this.alerts.deliver(raised);
  }

  private async read(tenant: string, key: string): Promise<BreakerState> {
    const row = await this.store.getBreaker(tenant, key);
    return (row?.state as unknown as BreakerState | undefined) ?? initialBreakerState();
  }
}
