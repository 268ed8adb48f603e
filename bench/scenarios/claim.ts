// Claim micro-scenario (PostgreSQL): time to claim 50 executions from a 100,000 backlog, in two
// shapes: 50,000 lanes over two tenants, and 100,000 queued behind one running lane (plus 2,000
// ready elsewhere). The backlog comes from the contract suite's fixtures.
import { backlog, insertExecutions, T0 } from '../../test/contract/fixtures.js';
import type { Store } from '../../src/store/port.js';
import { now, round } from '../lib.js';
import { freshStore } from './common.js';

export type ClaimShape = 'lanes' | 'one-lane';

export interface ClaimOptions { shape: ClaimShape; backlog: number; claims: number; limit: number }

export interface ClaimResult {
  shape: ClaimShape;
  backlog: number;
  /** Median ms of one claim. */
  value: number;
  maxMs: number;
  claims: number;
  loadMs: number;
}

async function load(store: Store, shape: ClaimShape, n: number): Promise<void> {
  if (shape === 'lanes') {
    await insertExecutions(store, backlog('tenant-a', n - 10, n / 2), 5000);
    await insertExecutions(store, backlog('tenant-b', 10, 10, T0 + 50), 10);
    return;
  }
  await insertExecutions(store, backlog('tenant-a', n, 1), 5000);
  const [head] = await store.claimExecutions({ workerId: 'bench', now: T0 + n, limit: 1, leaseMs: 600_000 });
  if (head?.lane !== 'tenant-a/deal/r0') throw new Error('expected the one long lane to be claimed first');
  await insertExecutions(store, backlog('tenant-a', 2000, 2000, T0 + 10));
}

export async function claim(o: ClaimOptions): Promise<ClaimResult> {
  const bs = await freshStore('postgres', 4);
  try {
    await bs.store.migrate();
    const t0 = now();
    await load(bs.store, o.shape, o.backlog);
    const loadMs = now() - t0;
    const times: number[] = [];
    for (let i = 0; i < o.claims; i++) {
      const start = now();
      const claimed = await bs.store.claimExecutions({ workerId: 'bench', now: T0 + o.backlog, limit: o.limit, leaseMs: 600_000 });
      times.push(now() - start);
      if (claimed.length !== o.limit) throw new Error(`claim ${i} took ${claimed.length}, expected ${o.limit}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      shape: o.shape, backlog: o.backlog, value: round(sorted[(sorted.length - 1) >> 1] ?? NaN), maxMs: round(sorted.at(-1) ?? NaN),
      claims: o.claims, loadMs: round(loadMs, 0),
    };
  } finally {
    await bs.store.close();
    await bs.cleanup();
  }
}
