// The worker's side of the PostgreSQL store: claim, sweep, heartbeat. See ARCHITECTURE.md for
// why lanes are locked rows and how a claim batch is shared among tenants.
import type pg from 'pg';
import type { TenantRotation } from '../claim-fairness.js';
import type { ClaimOptions, Lease } from '../types.js';
import { Q } from './queries.js';
import type { ExecutionSql } from './rows.js';

/** Tenants with ready work considered per claim; past this, the longest-waiting ones. */
const MAX_TENANTS = 10_000;

interface LaneKey { tenant: string; lane: string }

const pairs = (lanes: LaneKey[]): [string[], string[]] => [lanes.map((l) => l.tenant), lanes.map((l) => l.lane)];

/**
 * Claims up to options.limit executions, at most one per lane, inside the caller's transaction.
 * 1. Tenants with ready, free lanes, longest-waiting first; TenantRotation picks at most `limit`.
 * 2. Lock each tenant's oldest ready lanes, floor(limit / tenants) each: the fair share.
 * 3. Lock more lanes, oldest first across all tenants, to fill what the shares left over.
 * 4. Claim the head of every locked lane (a later statement, so it sees all earlier commits).
 */
export async function claimInTransaction(
  client: pg.ClientBase, options: ClaimOptions, rotation: TenantRotation,
): Promise<ExecutionSql[]> {
  const { now, limit } = options;
  if (limit <= 0) return [];
  const ready = (await client.query<{ tenant: string }>(Q.claimTenants, [now, MAX_TENANTS])).rows.map((r) => r.tenant);
  const tenants = rotation.pick(ready, limit);
  if (tenants.length === 0) return [];
  const share = Math.max(1, Math.floor(limit / tenants.length));
  const locked = (await client.query<LaneKey>(Q.lockLanesPerTenant, [tenants, now, share])).rows;
  if (locked.length < limit) {
    const more = await client.query<LaneKey>(Q.lockLanesOldest, [now, limit - locked.length, ...pairs(locked)]);
    locked.push(...more.rows);
  }
  if (locked.length === 0) return [];
  const claimed = await client.query<ExecutionSql>(Q.claimHeads, [
    ...pairs(locked), now, now + options.leaseMs, options.workerId,
  ]);
  return claimed.rows;
}

/** Requeues executions whose lease ran out; returns how many. */
export async function sweepInTransaction(client: pg.ClientBase, now: number): Promise<number> {
  const requeued = (await client.query<LaneKey>(Q.sweep, [now])).rows;
  if (requeued.length > 0) {
    const unique = [...new Map(requeued.map((l) => [`${l.tenant}\u0000${l.lane}`, l])).values()];
    await client.query(Q.refreshLanes, pairs(unique));
  }
  return requeued.length;
}

/** Extends the leases still held by workerId; returns the ids it no longer holds. */
export async function heartbeat(
  query: (text: string, values: unknown[]) => Promise<{ rows: { id: string }[] }>,
  workerId: string, leases: Lease[], now: number, leaseMs: number,
): Promise<string[]> {
  if (leases.length === 0) return [];
  const held = await query(Q.heartbeat, [
    leases.map((l) => l.executionId), leases.map((l) => l.attempt), workerId, now + leaseMs,
  ]);
  const kept = new Set(held.rows.map((r) => r.id));
  return leases.filter((l) => !kept.has(l.executionId)).map((l) => l.executionId);
}
