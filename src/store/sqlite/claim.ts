// The worker's side of the SQLite store: claim, heartbeat, sweep. Each runs synchronously in one
// driver transaction; the store calls them under the connection's queue (SqliteConnection.exclusive).
import type { TenantRotation } from '../claim-fairness.js';
import type { Quarantined, SweepPolicy, SweepResult } from '../port.js';
import type { ExecutionRow, Lease } from '../../domain/types.js';
import type { ClaimOptions } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { Q } from './queries.js';
import * as map from './rows.js';

/** Claims up to options.limit executions, at most one per lane, round-robin over tenants. */
export function claimExecutions(conn: SqliteConnection, options: ClaimOptions, rotation: TenantRotation): ExecutionRow[] {
  return conn.atomic(() => {
    // A suspect (its lease ran out without a checkpoint) runs alone: only a caller with nothing
    // in flight gets one, and then nothing else (see ClaimOptions.busy).
    if (options.limit <= 0) return [];
    const suspect = options.busy ? undefined : conn.get<map.ExecutionSql>(Q.readySuspect, { now: options.now });
    if (suspect) return claimPicked(conn, options, [suspect.id]);
    // Round-robin over tenants so one tenant's backlog cannot starve another's. Tenants come
    // from the ready executions themselves (not the catalog, which a tenant may lack).
    const ready = conn.all<{ tenant: string }>(Q.readyTenants, { now: options.now }).map((r) => r.tenant);
    const tenants = rotation.pick(ready, options.limit);
    const perTenant = tenants.map((tenant) =>
      conn.all<Pick<map.ExecutionSql, 'id' | 'lane' | 'lease_expiries'>>(Q.readyForTenant, { tenant, now: options.now, limit: options.limit * 2 }));
    // Pick round-robin, one per lane, then claim the picked ones in one statement.
    const lanes = new Set<string>();
    const picked: string[] = [];
    for (let i = 0; picked.length < options.limit; i++) {
      let any = false;
      for (const rows of perTenant) {
        const row = rows[i];
        if (!row) continue;
        any = true;
        if (lanes.has(row.lane) || picked.length >= options.limit) continue;
        lanes.add(row.lane);
        if (row.lease_expiries > 0) continue; // a suspect heads this lane: never in a batch
        picked.push(row.id);
      }
      if (!any) break;
    }
    return claimPicked(conn, options, picked);
  });
}

/** Marks the picked executions running in one statement; returns them in the order picked (fairness). */
function claimPicked(conn: SqliteConnection, options: ClaimOptions, picked: string[]): ExecutionRow[] {
  if (picked.length === 0) return [];
  const updated = conn.all<map.ExecutionSql>(Q.claim, {
    ids: JSON.stringify(picked), now: options.now, leaseUntil: options.now + options.leaseMs, workerId: options.workerId,
  });
  const byId = new Map(updated.map((row) => [row.id, row]));
  return picked.flatMap((id) => { const row = byId.get(id); return row ? [map.execution(row)] : []; });
}

/** Extends the leases still held by workerId; returns the ids it no longer holds. */
export function heartbeat(conn: SqliteConnection, workerId: string, leases: Lease[], now: number, leaseMs: number): string[] {
  return conn.atomic(() =>
    leases
      .filter((l) => conn.run(Q.heartbeat, { id: l.executionId, attempt: l.attempt, workerId, leaseUntil: now + leaseMs }) === 0)
      .map((l) => l.executionId),
  );
}

/**
 * Requeues executions whose lease ran out, counting the expiry; with a policy, dead-letters those
 * that reach policy.maxLeaseExpiries instead, each with its alert (poison-pill containment).
 */
export function sweepLeases(conn: SqliteConnection, now: number, policy?: SweepPolicy): SweepResult {
  const maxExpiries = policy?.maxLeaseExpiries ?? Number.MAX_SAFE_INTEGER;
  return conn.atomic(() => {
    // Read the ones that reach the threshold first: the requeue below counts the others' expiry.
    const poisoned = conn.all<map.ExecutionSql>(Q.expiredAtThreshold, { now, maxExpiries });
    const requeued = conn.run(Q.sweep, { now, maxExpiries });
    const quarantined: Quarantined[] = [];
    for (const row of poisoned) {
      const exec = map.execution(row);
      const { reason, alert } = (policy as SweepPolicy).quarantine({ ...exec, leaseExpiries: exec.leaseExpiries + 1 }, now);
      const failed = conn.get<map.ExecutionSql>(Q.quarantine, { id: exec.id, reason, now });
      if (!failed) continue;
      conn.run(Q.insertAlert, { ...alert, details: JSON.stringify(alert.details) });
      quarantined.push({ execution: map.execution(failed), alert });
    }
    return { requeued, quarantined };
  });
}
