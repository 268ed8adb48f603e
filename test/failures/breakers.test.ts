// Breakers over a real store: outcomes are counted in memory and flushed once per breaker per
// interval (not one write per execution), merged into the shared row by every "process" (each
// Breakers instance), a failure burst still opens at once, and a close wakes the waiting executions.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Breakers } from '../../src/execution/breakers.js';
import { breakerStats, resolveBreakerConfig, type BreakerState } from '../../src/failures/circuit-breaker.js';
import { Alerts } from '../../src/observability/alerts.js';
import { EngineEvents } from '../../src/observability/events.js';
import type { Store } from '../../src/store/port.js';
import { describePostgres, makePostgresStore, makeSqliteStore } from '../helpers/stores.js';

const KEY = 'connector:hook';
const CONFIG = resolveBreakerConfig({});
const FLUSH_MS = 250;

interface Counted { transactions: number; reads: number }

/** Counts the store round trips the breakers make (transactions and plain breaker reads). */
function counting(store: Store): Counted {
  const counted = { transactions: 0, reads: 0 };
  const transaction = store.transaction.bind(store);
  const getBreaker = store.getBreaker.bind(store);
  Object.assign(store, {
    transaction: (...args: Parameters<Store['transaction']>) => { counted.transactions++; return transaction(...args); },
    getBreaker: (tenant: string, key: string) => { counted.reads++; return getBreaker(tenant, key); },
  });
  return counted;
}

async function shared(store: Store, tenant = 't1'): Promise<BreakerState | undefined> {
  return (await store.getBreaker(tenant, KEY))?.state as unknown as BreakerState | undefined;
}

function suite(open: () => Promise<Store>): void {
  let store: Store;
  let clock: ManualClock;
  const make = (): Breakers => new Breakers(store, clock, new Alerts(() => undefined, new EngineEvents()), { flushMs: FLUSH_MS });
  afterEach(async () => store.close());

  async function fresh(): Promise<void> {
    store = await open();
    clock = new ManualClock();
  }

  it('counts successes before the first failure: 200 successes then 10 failures (10/210) do not open it', async () => {
    await fresh();
    const breakers = make();
    for (let i = 0; i < 200; i++) {
      expect((await breakers.allow('t1', KEY, CONFIG)).allowed).toBe(true);
      await breakers.record('t1', KEY, true, CONFIG);
      clock.advance(100);
    }
    for (let i = 0; i < 10; i++) await breakers.record('t1', KEY, false, CONFIG);
    await breakers.flush();
    const state = await shared(store);
    expect(state?.state).toBe('closed');
    // 200 successes over 20 s and 10 failures, all within the 5-minute window.
    expect(breakerStats(state!, clock.now())).toEqual({ total: 210, failed: 10, rate: 10 / 210 });
    expect((await breakers.allow('t1', KEY, CONFIG)).allowed).toBe(true);
    expect(await store.listAlerts('t1', 10)).toEqual([]);
  });

  it('writes once per breaker per flush interval, not once per outcome, and reads from its cache', async () => {
    await fresh();
    const breakers = make();
    const counted = counting(store);
    const n = 400;
    for (let i = 0; i < n; i++) {
      await breakers.allow('t1', KEY, CONFIG);
      await breakers.record('t1', KEY, true, CONFIG);
      clock.advance(10);
    }
    await breakers.flush();
    const bound = Math.ceil((n * 10) / FLUSH_MS) + 1;
    expect(counted.transactions).toBeLessThanOrEqual(bound);
    expect(counted.transactions).toBeGreaterThan(0);
    expect(counted.reads).toBeLessThanOrEqual(bound);
    expect(breakerStats((await shared(store))!, clock.now()).total).toBe(n);
  });

  it('writes pending outcomes one flush interval later even when no other outcome comes', async () => {
    await fresh();
    const breakers = make();
    for (let i = 0; i < 3; i++) await breakers.record('t1', KEY, true, CONFIG);
    expect(await shared(store)).toBeUndefined();
    clock.advance(FLUSH_MS - 1);
    expect(await shared(store)).toBeUndefined();
    clock.advance(1); // the scheduled flush is due on the injected clock
    await vi.waitFor(async () => expect(breakerStats((await shared(store)) ?? { buckets: [] } as unknown as BreakerState, clock.now()).total).toBe(3));
  });

  it('opens at once on a failure burst, with one alert, and then refuses without a round trip', async () => {
    await fresh();
    const breakers = make();
    const counted = counting(store);
    for (let i = 0; i < 9; i++) await breakers.record('t1', KEY, false, CONFIG);
    expect(counted.transactions).toBe(0); // 9 of 9 is below the minimum volume of 10: nothing to decide yet
    await breakers.record('t1', KEY, false, CONFIG);
    expect((await shared(store))?.state).toBe('open');
    const alerts = await store.listAlerts('t1', 10);
    expect(alerts.map((a) => a.kind)).toEqual(['breaker_open']);
    expect(alerts[0]?.message).toBe(`circuit breaker ${KEY} opened: 10 of 10 calls failed (100%) within 300 s`);
    const before = { ...counted };
    const refused = await breakers.allow('t1', KEY, CONFIG);
    expect(refused).toMatchObject({ allowed: false, retryAt: clock.now() + CONFIG.openMs });
    expect(counted).toEqual(before);
  });

  it('merges the counts of several processes into one shared decision, alerting once', async () => {
    await fresh();
    const [a, b] = [make(), make()];
    for (const breakers of [a, b]) {
      expect((await breakers.allow('t1', KEY, CONFIG)).allowed).toBe(true);
      for (let i = 0; i < 6; i++) await breakers.record('t1', KEY, false, CONFIG); // 6 calls: below the volume on its own
    }
    expect((await shared(store))?.state ?? 'closed').toBe('closed');
    await a.flush();
    expect((await shared(store))?.state).toBe('closed');
    await b.flush();
    expect((await shared(store))?.state).toBe('open');
    expect((await store.listAlerts('t1', 10)).filter((x) => x.kind === 'breaker_open')).toHaveLength(1);
    // B flushed and knows; A's copy is at most one flush interval old.
    expect((await b.allow('t1', KEY, CONFIG)).allowed).toBe(false);
    clock.advance(FLUSH_MS);
    expect((await a.allow('t1', KEY, CONFIG)).allowed).toBe(false);
  });

  it('when the probe closes the breaker, the executions waiting on it are due now and workers are woken', async () => {
    await fresh();
    const breakers = make();
    let woken = 0;
    store.onWake(() => woken++);
    for (let i = 0; i < 10; i++) await breakers.record('t1', KEY, false, CONFIG);
    clock.advance(CONFIG.openMs);
    const farAway = clock.now() + CONFIG.openMs;
    await store.transaction((tx) => tx.insertExecutions([{
      id: 'e1', tenant: 't1', kind: 'workflow', workflowId: 'wf', version: 1, triggerKey: 'c1', stepId: '', parentId: null,
      recordType: 'deal', recordId: 'd1', lane: 't1/deal/d1', runAt: clock.now(), rootChangeId: 'c1', depth: 0, input: {}, createdAt: clock.now(),
    }]));
    const [claimed] = await store.claimExecutions({ workerId: 'w', now: clock.now(), leaseMs: 30_000, limit: 1 });
    await store.transaction((tx) => tx.finishExecution({ executionId: 'e1', attempt: claimed!.attempt },
      { status: 'queued', reason: `waiting: circuit breaker ${KEY} is open`, runAt: farAway, waitingOn: KEY }));

    const probe = await breakers.allow('t1', KEY, CONFIG);
    expect(probe.allowed).toBe(true);
    const other = await breakers.allow('t1', KEY, CONFIG);
    expect(other).toMatchObject({ allowed: false, retryAt: clock.now() + CONFIG.probeRecheckMs });
    clock.advance(2000);
    woken = 0;
    await breakers.record('t1', KEY, true, CONFIG); // the probe succeeded: written at once
    expect((await shared(store))?.state).toBe('closed');
    expect((await store.getExecution('t1', 'e1'))?.runAt).toBe(clock.now());
    // On PostgreSQL the wake-up is a NOTIFY, delivered to the LISTEN connection a moment later.
    await vi.waitFor(() => expect(woken).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    expect((await store.listAlerts('t1', 10)).map((x) => x.kind)).toEqual(['breaker_closed', 'breaker_open']);
    expect((await breakers.allow('t1', KEY, CONFIG)).allowed).toBe(true);
  });
}

describe('breakers over the store [sqlite]', () => suite(makeSqliteStore));
await describePostgres('breakers over the store [postgres]', () => suite(() => makePostgresStore()));
