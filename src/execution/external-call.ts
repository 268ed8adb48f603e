// One external call, guarded: the effect ledger first (a call already recorded is never made
// again), then the connector's circuit breaker and rate limit, then the call with a timeout on
// the injected clock. Outcomes feed the breaker; only failures that say the service is unwell
// (retryable ones: 5xx, 429, timeouts, network) count against it.
import type { ConnectorRuntime } from '../actions/connectors/config.js';
import { redactSecrets } from '../actions/connectors/config.js';
import { classifyFailure, StepTimeoutError, type FailureClass } from '../failures/action-failures.js';
import type { ExternalAction, StepContext } from '../actions/types.js';
import type { Clock } from '../clock.js';
import type { RateLimiter } from '../scheduling/rate-limiter.js';
import type { EngineEvents } from '../observability/events.js';
import type { Store } from '../store/port.js';
import type { Json } from '../domain/types.js';
import type { Breakers } from './breakers.js';
import { Requeue } from './step-outcome.js';

export interface ExternalCallDeps {
  store: Store;
  events: EngineEvents;
  clock: Clock;
  breakers: Breakers;
  limiter: RateLimiter;
  connectors: (tenant: string, name: string) => ConnectorRuntime | undefined;
}

export type CallResult = { ok: true; result: Json; fromLedger: boolean } | { ok: false; failure: FailureClass };

export async function callExternal(deps: ExternalCallDeps, action: ExternalAction, compiled: unknown, ctx: StepContext, timeoutMs: number): Promise<CallResult> {
  const ledger = await deps.store.transaction((tx) => tx.getEffect(ctx.tenant, ctx.idempotencyKey));
  if (ledger) return { ok: true, result: ledger.result, fromLedger: true };

  const name = (compiled as { connector?: unknown } | null)?.connector;
  const connector = typeof name === 'string' ? deps.connectors(ctx.tenant, name) : undefined;
  const breakerKey = connector ? `connector:${connector.name}` : undefined;
  if (connector && breakerKey) {
    const gate = await deps.breakers.allow(ctx.tenant, breakerKey, connector.breaker);
    if (!gate.allowed) throw new Requeue(gate.retryAt ?? deps.clock.now() + 60_000, `waiting: circuit breaker ${breakerKey} is open`, breakerKey);
    const wait = deps.limiter.reserve(`${ctx.tenant}/${connector.name}`, connector.rateLimit?.perSecond, deps.clock.now());
    if (wait > 0) throw new Requeue(deps.clock.now() + wait, `waiting: rate limit of connector ${connector.name}`);
  }

  const timeout = new AbortController();
  const stopTimer = new AbortController();
  void deps.clock.sleep(timeoutMs, stopTimer.signal).then(() => {
    if (!stopTimer.signal.aborted) timeout.abort(new StepTimeoutError(timeoutMs));
  });
  try {
    // Only the timeout aborts a call: on shutdown a call in flight is let finish and checkpointed,
    // rather than cut off and counted as a failed attempt.
    const result = await Promise.race([
      action.run(compiled, { ...ctx, signal: timeout.signal }),
      new Promise<never>((_, reject) => timeout.signal.addEventListener('abort', () => reject(timeout.signal.reason as Error), { once: true })),
    ]);
    if (connector && breakerKey) {
      deps.events.emit('connector:called', ctx.tenant, connector.name, true, connector.costPerCall);
      await deps.breakers.record(ctx.tenant, breakerKey, true, connector.breaker);
    }
    return { ok: true, result: connector ? redactSecrets(result, connector.secrets) : result, fromLedger: false };
  } catch (error) {
    const failure = classifyFailure(error);
    if (connector && breakerKey) {
      deps.events.emit('connector:called', ctx.tenant, connector.name, false, connector.costPerCall);
      if (failure.retryable) await deps.breakers.record(ctx.tenant, breakerKey, false, connector.breaker);
    }
    return { ok: false, failure: connector ? { ...failure, message: redactSecrets(failure.message, connector.secrets) } : failure };
  } finally {
    stopTimer.abort();
  }
}
