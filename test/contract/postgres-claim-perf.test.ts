// Claim cost with a 100,000-execution backlog: the claim walks lanes through partial indexes, so
// it must not slow down with the backlog, nor with one lane holding most of it.
// Prints the measured figures; the bounds asserted are generous (shared CI machines).
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/port.js';
import { describePostgres, makePostgresStore } from '../helpers/stores.js';
import { backlog, insertExecutions, T0 } from './fixtures.js';

const BACKLOG = 100_000;

async function timeClaims(store: Store, rounds: number, limit: number): Promise<{ median: number; max: number; sizes: number[] }> {
  const times: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    const claimed = await store.claimExecutions({ workerId: 'bench', now: T0 + BACKLOG, limit, leaseMs: 60_000 });
    times.push(performance.now() - start);
    sizes.push(claimed.length);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0, sizes };
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

await describePostgres('PostgresStore claim at a 100k backlog', () => {
  it('claims 50 from 100,000 queued executions (50,000 lanes, two tenants) quickly and fairly', async () => {
    const store = await makePostgresStore();
    const loadStart = performance.now();
    await insertExecutions(store, backlog('tenant-a', BACKLOG - 10, 50_000), 5000);
    await insertExecutions(store, backlog('tenant-b', 10, 10, T0 + 50), 10);
    const load = performance.now() - loadStart;
    const [first] = (await store.claimExecutions({ workerId: 'bench', now: T0 + BACKLOG, limit: 50, leaseMs: 60_000 })
      .then((rows) => [rows]));
    expect(first?.filter((r) => r.tenant === 'tenant-b')).toHaveLength(10);
    const result = await timeClaims(store, 20, 50);
    console.log(`claim 50 of ${BACKLOG} queued in 50,000 lanes: median ${ms(result.median)}, max ${ms(result.max)} over 20 claims (load ${ms(load)})`);
    expect(result.sizes.every((n) => n === 50)).toBe(true);
    expect(result.median).toBeLessThan(100);
  });

  it('claims 50 just as fast when 100,000 of the backlog sit in one running lane', async () => {
    const store = await makePostgresStore();
    await insertExecutions(store, backlog('tenant-a', BACKLOG, 1), 5000);
    const [head] = await store.claimExecutions({ workerId: 'bench', now: T0 + BACKLOG, limit: 1, leaseMs: 60_000 });
    expect(head?.lane).toBe('tenant-a/deal/r0');
    await insertExecutions(store, backlog('tenant-a', 2000, 2000, T0 + 10));
    const result = await timeClaims(store, 20, 50);
    console.log(`claim 50 with ${BACKLOG} queued behind one running lane: median ${ms(result.median)}, max ${ms(result.max)} over 20 claims`);
    expect(result.sizes.every((n) => n === 50)).toBe(true);
    expect(result.median).toBeLessThan(100);
  });
});
