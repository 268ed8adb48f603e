// Claims against a 100,000-execution backlog: fair to a small tenant and always full batches,
// also when one lane holds most of the backlog. Claim time is measured by `npm run bench`
// (scenario "claim"), never asserted here.
import { expect, it } from 'vitest';
import { describePostgres, makePostgresStore } from '../helpers/stores.js';
import { backlog, insertExecutions, T0 } from './fixtures.js';

const BACKLOG = 100_000;

await describePostgres('PostgresStore claim at a 100k backlog', () => {
  it('serves a 10-execution tenant in the first batch beside a 99,990 one, and keeps batches full', async () => {
    const store = await makePostgresStore();
    await insertExecutions(store, backlog('tenant-a', BACKLOG - 10, 50_000), 5000);
    await insertExecutions(store, backlog('tenant-b', 10, 10, T0 + 50), 10);
    const first = await store.claimExecutions({ workerId: 'w', now: T0 + BACKLOG, limit: 50, leaseMs: 60_000 });
    expect(first.filter((r) => r.tenant === 'tenant-b')).toHaveLength(10);
    for (let i = 0; i < 5; i++) {
      expect(await store.claimExecutions({ workerId: 'w', now: T0 + BACKLOG, limit: 50, leaseMs: 60_000 })).toHaveLength(50);
    }
  });

  it('claims full batches when 100,000 of the backlog sit in one running lane', async () => {
    const store = await makePostgresStore();
    await insertExecutions(store, backlog('tenant-a', BACKLOG, 1), 5000);
    const [head] = await store.claimExecutions({ workerId: 'w', now: T0 + BACKLOG, limit: 1, leaseMs: 60_000 });
    expect(head?.lane).toBe('tenant-a/deal/r0');
    await insertExecutions(store, backlog('tenant-a', 2000, 2000, T0 + 10));
    for (let i = 0; i < 5; i++) {
      const claimed = await store.claimExecutions({ workerId: 'w', now: T0 + BACKLOG, limit: 50, leaseMs: 60_000 });
      expect(claimed).toHaveLength(50);
      expect(claimed.some((r) => r.lane === 'tenant-a/deal/r0')).toBe(false);
    }
  });
});
