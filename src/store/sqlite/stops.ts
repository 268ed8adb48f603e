// Holds, releases and bulk cancels on the SQLite store (see ../stops.ts for what they mean). Each
// runs synchronously in one driver transaction under the connection's queue, so no write can
// interleave: an execution inserted after a hold committed sees the hold's catalog revision.
import { WHOLE_TENANT, type CancelFilter, type HoldRow, type ReleaseResult, type StopCounts } from '../stops.js';
import type { SqliteConnection } from './connection.js';
import { Q } from './queries.js';

/** The executions a hold's scope covers: its workflow's, or (WHOLE_TENANT) all of the tenant's. */
const inScope = (workflowId: string): string => (workflowId === WHOLE_TENANT ? 'tenant = @tenant' : 'tenant = @tenant AND workflow_id = @workflowId');

/** No hold covers execution e any more (after the release deleted its own). */
const uncovered = `NOT EXISTS (SELECT 1 FROM holds h WHERE h.tenant = executions.tenant AND h.workflow_id IN (executions.workflow_id, '${WHOLE_TENANT}'))`;

export const STOP_Q = {
  insertHold: `INSERT INTO holds (tenant, workflow_id, actor, reason, at) VALUES (@tenant, @workflowId, @actor, @reason, @at)
    ON CONFLICT (tenant, workflow_id) DO NOTHING`,
  getHold: `SELECT * FROM holds WHERE tenant = @tenant AND workflow_id = @workflowId`,
  deleteHold: `DELETE FROM holds WHERE tenant = @tenant AND workflow_id = @workflowId`,
  listHolds: `SELECT * FROM holds WHERE tenant = @tenant ORDER BY workflow_id = '${WHOLE_TENANT}' DESC, workflow_id`,
  /** An execution inserted 'paused' (a hold covered it): who held it and why. */
  markHeld: `UPDATE executions SET stopped_by = @stoppedBy, stop_reason = @stopReason WHERE id = @id AND status = 'paused'`,
} as const;

interface HoldSql { tenant: string; workflow_id: string; actor: string; reason: string; at: number }
const holdRow = (r: HoldSql): HoldRow => ({ tenant: r.tenant, workflowId: r.workflow_id, actor: r.actor, reason: r.reason, at: r.at });

export function hold(conn: SqliteConnection, h: HoldRow): { hold: HoldRow; counts: StopCounts } {
  return conn.atomic(() => {
    conn.run(STOP_Q.insertHold, { ...h });
    const stored = holdRow(conn.get<HoldSql>(STOP_Q.getHold, { tenant: h.tenant, workflowId: h.workflowId }) as HoldSql);
    conn.get(Q.bumpRevision, { tenant: h.tenant });
    const params = { tenant: h.tenant, workflowId: h.workflowId, by: stored.actor, reason: stored.reason };
    const moved = conn.run(`UPDATE executions SET status = 'paused', stopped_by = @by, stop_reason = @reason
      WHERE ${inScope(h.workflowId)} AND status = 'queued'`, params);
    const requested = conn.run(`UPDATE executions SET stop_request = 'pause', stopped_by = @by, stop_reason = @reason
      WHERE ${inScope(h.workflowId)} AND status = 'running' AND stop_request IS NULL`, params);
    return { hold: stored, counts: { moved, requested } };
  });
}

export function releaseHold(conn: SqliteConnection, tenant: string, workflowId: string, now: number): ReleaseResult {
  return conn.atomic(() => {
    if (conn.run(STOP_Q.deleteHold, { tenant, workflowId }) === 0) return { released: false, resumed: 0 };
    conn.get(Q.bumpRevision, { tenant });
    const params = { tenant, workflowId, now };
    // A retry keeps its backoff (run_at); one waiting on a breaker is due now and asks it again.
    const queued = conn.run(`UPDATE executions SET status = 'queued', stopped_by = NULL, stop_reason = NULL,
        run_at = CASE WHEN waiting_on IS NOT NULL THEN MIN(run_at, @now) ELSE run_at END, waiting_on = NULL
      WHERE ${inScope(workflowId)} AND status = 'paused' AND ${uncovered}`, params);
    const unasked = conn.run(`UPDATE executions SET stop_request = NULL, stopped_by = NULL, stop_reason = NULL
      WHERE ${inScope(workflowId)} AND status = 'running' AND stop_request = 'pause' AND ${uncovered}`, params);
    return { released: true, resumed: queued + unasked };
  });
}

export function listHolds(conn: SqliteConnection, tenant: string): HoldRow[] {
  return conn.all<HoldSql>(STOP_Q.listHolds, { tenant }).map(holdRow);
}

/** Fixed clauses chosen by which filters are present; values are always bound. */
function matching(filter: CancelFilter, statuses: readonly string[]): { where: string; params: Record<string, unknown> } {
  const clauses = ['tenant = @tenant', 'status IN (SELECT value FROM json_each(@statuses))'];
  if (filter.workflowId !== undefined) clauses.push('workflow_id = @workflowId');
  if (filter.recordType !== undefined) clauses.push('record_type = @recordType');
  if (filter.recordId !== undefined) clauses.push('record_id = @recordId');
  if (filter.rootChangeId !== undefined) clauses.push('root_change_id = @rootChangeId');
  const params = {
    tenant: filter.tenant, statuses: JSON.stringify(statuses), workflowId: filter.workflowId ?? null,
    recordType: filter.recordType ?? null, recordId: filter.recordId ?? null, rootChangeId: filter.rootChangeId ?? null,
  };
  return { where: clauses.join(' AND '), params };
}

export function cancelMatching(conn: SqliteConnection, filter: CancelFilter, by: string, reason: string, now: number): StopCounts {
  return conn.atomic(() => {
    const waiting = matching(filter, filter.statuses.filter((s) => s !== 'running'));
    const moved = conn.run(`UPDATE executions SET status = 'cancelled', reason = @reason, finished_at = @now,
        stopped_by = @by, stop_reason = @reason, waiting_on = NULL WHERE ${waiting.where}`, { ...waiting.params, by, reason, now });
    const running = matching(filter, filter.statuses.filter((s) => s === 'running'));
    // A cancel overrides a pause request: the worker ends it cancelled at its next commit.
    const requested = conn.run(`UPDATE executions SET stop_request = 'cancel', stopped_by = @by, stop_reason = @reason
      WHERE ${running.where} AND (stop_request IS NULL OR stop_request = 'pause')`, { ...running.params, by, reason });
    return { moved, requested };
  });
}
