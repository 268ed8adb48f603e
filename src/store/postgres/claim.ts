// The worker's side of the PostgreSQL store: claim, sweep, heartbeat. See ARCHITECTURE.md for
// why lanes are locked rows and how a claim batch is shared among tenants.
import type pg from 'pg';
import type { TenantRotation } from '../claim-fairness.js';
import type { Quarantined, SweepPolicy, SweepResult } from '../port.js';
import type { Lease } from '../../domain/types.js';
import type { ClaimOptions } from '../types.js';
import { Q } from './queries.js';
import * as map from './rows.js';

/** Tenants with ready work considered per claim; past this, the longest-waiting ones. */
const MAX_TENANTS = 10_000;

interface LaneKey { tenant: string; lane: string }

const pairs = (lanes: LaneKey[]): [string[], string[]] => [lanes.map((l) => l.tenant), lanes.map((l) => l.lane)];

/** What a claim may take, read before its transaction (Q.claimCandidates): hints, re-checked under lock. */
export interface ClaimCandidates {
  suspect: { id: string; tenant: string; lane: string } | null;
  /** Tenants with ready free lanes, the longest-waiting first. */
  tenants: string[];
}

/** One statement, outside any transaction: a claim that finds nothing costs this one round trip. */
export async function claimCandidates(
  query: (text: string, values: unknown[]) => Promise<pg.QueryResult<ClaimCandidates>>, options: ClaimOptions,
): Promise<ClaimCandidates> {
  const [row] = (await query(Q.claimCandidates, [options.now, MAX_TENANTS, !options.busy])).rows;
  return { suspect: row?.suspect ?? null, tenants: row?.tenants ?? [] };
}

/** Whether claimInTransaction can take anything from these candidates at all (else: no transaction). */
export function worthATransaction(candidates: ClaimCandidates): boolean {
  return candidates.suspect !== null || candidates.tenants.length > 0;
}

/**
 * Claims up to options.limit executions, at most one per lane, inside the caller's transaction,
 * from the candidates read just before it (claimCandidates: under READ COMMITTED each statement
 * has its own snapshot anyway, so reading them before BEGIN is the same as reading them after).
 * 0. Suspects (leaseExpiries > 0) run alone: a caller with nothing in flight (not busy) gets the
 *    oldest ready one alone (see ClaimOptions.busy). Batches never hold one.
 * 1. TenantRotation picks at most `limit` of the tenants with ready, free lanes.
 * 2. Lock each tenant's oldest ready lanes, floor(limit / tenants) each: the fair share.
 * 3. Lock more lanes, oldest first across all tenants, to fill what the shares left over.
 * 4. Claim the head of every locked lane (a later statement, so it sees all earlier commits).
 */
export async function claimInTransaction(
  client: pg.ClientBase, options: ClaimOptions, rotation: TenantRotation, candidates: ClaimCandidates,
): Promise<map.ExecutionSql[]> {
  const { now, limit } = options;
  const { suspect } = candidates;
  if (suspect && (await client.query(Q.lockLane, [suspect.tenant, suspect.lane])).rowCount === 1) {
    const alone = await client.query<map.ExecutionSql>(Q.claimOne, [suspect.id, now, now + options.leaseMs, options.workerId]);
    if (alone.rows.length > 0) return alone.rows;
  }
  // No suspect, or another worker is taking it right now: a batch of innocents (claimHeads skips suspects).
  const tenants = rotation.pick(candidates.tenants, limit);
  if (tenants.length === 0) return [];
  const share = Math.max(1, Math.floor(limit / tenants.length));
  const locked = (await client.query<LaneKey>(Q.lockLanesPerTenant, [tenants, now, share])).rows;
  if (locked.length < limit) {
    const more = await client.query<LaneKey>(Q.lockLanesOldest, [now, limit - locked.length, ...pairs(locked)]);
    locked.push(...more.rows);
  }
  if (locked.length === 0) return [];
  const claimed = await client.query<map.ExecutionSql>(Q.claimHeads, [
    ...pairs(locked), now, now + options.leaseMs, options.workerId,
  ]);
  return claimed.rows;
}

/** Largest integer column value: the threshold when no policy quarantines. */
const NEVER = 2_147_483_647;

/**
 * Requeues executions whose lease ran out, counting the expiry; with a policy, dead-letters those
 * that reach policy.maxLeaseExpiries instead, each with its alert (poison-pill containment).
 */
export async function sweepInTransaction(client: pg.ClientBase, now: number, policy?: SweepPolicy): Promise<SweepResult> {
  const max = policy?.maxLeaseExpiries ?? NEVER;
  const poisoned = policy ? (await client.query<map.ExecutionSql>(Q.expiredAtThreshold, [now, max])).rows.map(map.execution) : [];
  const lanes = (await client.query<LaneKey>(Q.sweep, [now, max])).rows;
  const requeued = lanes.length;
  const quarantined: Quarantined[] = [];
  if (policy && poisoned.length > 0) {
    const verdicts = new Map(poisoned.map((e) => [e.id, policy.quarantine({ ...e, leaseExpiries: e.leaseExpiries + 1 }, now)]));
    const failed = await client.query<map.ExecutionSql>(Q.quarantine, [[...verdicts.keys()], [...verdicts.values()].map((v) => v.reason), now]);
    for (const row of failed.rows) {
      const alert = (verdicts.get(row.id) as { alert: Quarantined['alert'] }).alert;
      await client.query(Q.insertAlert, map.alertParams(alert));
      quarantined.push({ execution: map.execution(row), alert });
      lanes.push({ tenant: row.tenant, lane: row.lane });
    }
  }
  if (lanes.length > 0) {
    const unique = [...new Map(lanes.map((l) => [`${l.tenant}\u0000${l.lane}`, l])).values()];
    await client.query(Q.refreshLanes, pairs(unique));
  }
  return { requeued, quarantined };
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
