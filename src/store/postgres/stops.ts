// Holds, releases and bulk cancels on the PostgreSQL store (see ../stops.ts for what they mean).
//
// Each is one transaction, and the moves are single UPDATE statements whose SET decides per row
// from the row itself (CASE on status). Under READ COMMITTED a row a worker changes meanwhile is
// re-read at its newest version once that worker commits (the worker's checkLease holds its row
// lock), so a row cannot slip between "queued" and "running" and escape both moves: an execution
// requeued by its worker a moment ago is held as queued, one claimed a moment ago is asked as
// running. Paused and cancelled rows leave lanes.ready_at as it was: it stays a lower bound, and
// the next claim that finds a lane without a ready head recomputes it (claimHeads).
//
// Executions inserted while a hold exists are inserted 'paused' by the write path (the catalog
// carries the holds and a hold bumps the catalog revision). A write whose catalog check ran before
// the hold committed and whose insert commits after the hold's UPDATE may still queue one; the
// worker that claims it is told at its first commit (checkLease sees the hold) and holds it there.
import type pg from 'pg';
import { WHOLE_TENANT, type CancelFilter, type HoldRow, type ReleaseResult, type StopCounts } from '../stops.js';
import { Q } from './queries.js';

/** $n placeholders for the scope: a workflow's executions, or (WHOLE_TENANT) the tenant's. */
const inScope = (workflowId: string, e: string): string =>
  workflowId === WHOLE_TENANT ? `${e}.tenant = $1` : `${e}.tenant = $1 AND ${e}.workflow_id = $2`;

const uncovered = (e: string): string =>
  `NOT EXISTS (SELECT 1 FROM holds h WHERE h.tenant = ${e}.tenant AND h.workflow_id IN (${e}.workflow_id, '${WHOLE_TENANT}'))`;

export const STOP_Q = {
  /** $1 ids text[], $2 stoppedBy text[], $3 stopReason text[]: executions inserted 'paused' (a hold covered them). */
  markHeld: `UPDATE executions e SET stopped_by = x.by, stop_reason = x.reason
    FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, by, reason) WHERE e.id = x.id AND e.status = 'paused'`,
  /** $1 tenant, $2 workflowId, $3 actor, $4 reason, $5 at. The first hold of a scope stays. */
  insertHold: `INSERT INTO holds (tenant, workflow_id, actor, reason, at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (tenant, workflow_id) DO NOTHING`,
  /** $1 tenant, $2 workflowId */
  getHold: `SELECT * FROM holds WHERE tenant = $1 AND workflow_id = $2`,
  /** $1 tenant, $2 workflowId */
  deleteHold: `DELETE FROM holds WHERE tenant = $1 AND workflow_id = $2`,
  /** $1 tenant */
  listHolds: `SELECT * FROM holds WHERE tenant = $1 ORDER BY workflow_id = '${WHOLE_TENANT}' DESC, workflow_id`,
} as const;

/**
 * $1 tenant, $2 workflowId (unused for the whole tenant, still bound), $3 actor, $4 reason.
 * Queued -> paused; running -> asked to pause (a cancel already asked stays).
 */
const holdSql = (workflowId: string): string => `WITH moved AS (
    UPDATE executions e SET
      status = CASE WHEN e.status = 'queued' THEN 'paused' ELSE e.status END,
      stop_request = CASE WHEN e.status = 'running' THEN 'pause' ELSE e.stop_request END,
      stopped_by = $3, stop_reason = $4
    WHERE ${inScope(workflowId, 'e')} AND (e.status = 'queued' OR (e.status = 'running' AND e.stop_request IS NULL)) AND $2::text IS NOT NULL
    RETURNING e.status
  )
  SELECT count(*) FILTER (WHERE status = 'paused')::integer AS moved, count(*) FILTER (WHERE status = 'running')::integer AS requested FROM moved`;

/**
 * $1 tenant, $2 workflowId, $3 now. After the hold's row is deleted: paused -> queued (their lanes
 * upserted, ready_at only lowered, as a requeue does), pause requests withdrawn, for the
 * executions no other hold covers.
 */
const releaseSql = (workflowId: string): string => `WITH moved AS (
    UPDATE executions e SET status = 'queued', stopped_by = NULL, stop_reason = NULL,
      run_at = CASE WHEN e.waiting_on IS NOT NULL THEN LEAST(e.run_at, $3::bigint) ELSE e.run_at END, waiting_on = NULL
    WHERE ${inScope(workflowId, 'e')} AND e.status = 'paused' AND ${uncovered('e')} AND $2::text IS NOT NULL
    RETURNING e.lane, e.run_at
  ), lanes_up AS (
    INSERT INTO lanes (tenant, lane, ready_at) SELECT $1, lane, min(run_at) FROM moved GROUP BY lane ORDER BY lane
    ON CONFLICT (tenant, lane) DO UPDATE SET ready_at = LEAST(lanes.ready_at, excluded.ready_at)
  ), unasked AS (
    UPDATE executions e SET stop_request = NULL, stopped_by = NULL, stop_reason = NULL
    WHERE ${inScope(workflowId, 'e')} AND e.status = 'running' AND e.stop_request = 'pause' AND ${uncovered('e')}
    RETURNING 1
  )
  SELECT ((SELECT count(*) FROM moved) + (SELECT count(*) FROM unasked))::integer AS resumed`;

interface HoldSql { tenant: string; workflow_id: string; actor: string; reason: string; at: number }
const holdRow = (r: HoldSql): HoldRow => ({ tenant: r.tenant, workflowId: r.workflow_id, actor: r.actor, reason: r.reason, at: Number(r.at) });

export async function holdInTransaction(client: pg.ClientBase, h: HoldRow): Promise<{ hold: HoldRow; counts: StopCounts }> {
  await client.query(STOP_Q.insertHold, [h.tenant, h.workflowId, h.actor, h.reason, h.at]);
  const stored = holdRow((await client.query<HoldSql>(STOP_Q.getHold, [h.tenant, h.workflowId])).rows[0] as HoldSql);
  await client.query(Q.bumpRevision, [h.tenant]);
  const [counts] = (await client.query<StopCounts>(holdSql(h.workflowId), [h.tenant, h.workflowId, stored.actor, stored.reason])).rows;
  return { hold: stored, counts: counts ?? { moved: 0, requested: 0 } };
}

export async function releaseInTransaction(client: pg.ClientBase, tenant: string, workflowId: string, now: number): Promise<ReleaseResult> {
  if (((await client.query(STOP_Q.deleteHold, [tenant, workflowId])).rowCount ?? 0) === 0) return { released: false, resumed: 0 };
  await client.query(Q.bumpRevision, [tenant]);
  const [row] = (await client.query<{ resumed: number }>(releaseSql(workflowId), [tenant, workflowId, now])).rows;
  return { released: true, resumed: row?.resumed ?? 0 };
}

export async function listHolds(query: (text: string, values: unknown[]) => Promise<HoldSql[]>, tenant: string): Promise<HoldRow[]> {
  return (await query(STOP_Q.listHolds, [tenant])).map(holdRow);
}

/**
 * One statement: matching queued and paused -> cancelled, matching running -> asked to cancel (a
 * pause request becomes a cancel). Fixed clauses chosen by which filters are present; values bound.
 */
export async function cancelInTransaction(client: pg.ClientBase, f: CancelFilter, by: string, reason: string, now: number): Promise<StopCounts> {
  const values: unknown[] = [f.tenant, f.statuses, by, reason, now];
  const clauses = ['e.tenant = $1', 'e.status = ANY($2::text[])', `(e.status <> 'running' OR e.stop_request IS NULL OR e.stop_request = 'pause')`];
  const add = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    values.push(value);
    clauses.push(`e.${column} = $${values.length}`);
  };
  add('workflow_id', f.workflowId);
  add('record_type', f.recordType);
  add('record_id', f.recordId);
  add('root_change_id', f.rootChangeId);
  const sql = `WITH moved AS (
      UPDATE executions e SET
        status = CASE WHEN e.status = 'running' THEN e.status ELSE 'cancelled' END,
        stop_request = CASE WHEN e.status = 'running' THEN 'cancel' ELSE e.stop_request END,
        reason = CASE WHEN e.status = 'running' THEN e.reason ELSE $4 END,
        finished_at = CASE WHEN e.status = 'running' THEN e.finished_at ELSE $5::bigint END,
        waiting_on = CASE WHEN e.status = 'running' THEN e.waiting_on ELSE NULL END,
        stopped_by = $3, stop_reason = $4
      WHERE ${clauses.join(' AND ')}
      RETURNING e.status
    )
    SELECT count(*) FILTER (WHERE status = 'cancelled')::integer AS moved, count(*) FILTER (WHERE status = 'running')::integer AS requested FROM moved`;
  const [counts] = (await client.query<StopCounts>(sql, values)).rows;
  return counts ?? { moved: 0, requested: 0 };
}
