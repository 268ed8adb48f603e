// Every PostgreSQL statement, in one place. Values are always bound ($1, $2, ...); each statement's
// comment lists its parameters in order. Table names are unqualified: search_path is the schema.
import type { ExecutionFilter } from '../types.js';

/** A lane a claim may take: nothing running in it, something queued (matches the lanes_ready* indexes). */
const readyLane = (a: string) => `${a}.running_id IS NULL AND ${a}.ready_at IS NOT NULL`;

/**
 * CTEs that recompute the exact ready_at of the lanes listed in CTE `source` (tenant, lane), which
 * the caller has locked in an earlier statement (see ARCHITECTURE.md: lock, then read), and delete
 * the lanes left with nothing queued and nothing running, so the table holds only live lanes.
 * `p` prefixes the CTE names so that a statement can hold several.
 */
const refreshLanes = (source: string, p: string) => `${p}fresh AS (
      SELECT s.tenant, s.lane, (SELECT min(e.run_at) FROM executions e
        WHERE e.tenant = s.tenant AND e.lane = s.lane AND e.status = 'queued') AS ready_at
      FROM ${source} s
    ), ${p}updated AS (
      UPDATE lanes l SET ready_at = f.ready_at FROM ${p}fresh f
      WHERE l.tenant = f.tenant AND l.lane = f.lane AND f.ready_at IS NOT NULL
    ), ${p}emptied AS (
      DELETE FROM lanes l USING ${p}fresh f
      WHERE l.tenant = f.tenant AND l.lane = f.lane AND f.ready_at IS NULL AND l.running_id IS NULL
    )`;

export const Q = {
  // migrations --------------------------------------------------------------------------------
  /** $1 key (schema name): serializes migrate() across processes until the transaction ends. */
  migrationLock: `SELECT pg_advisory_xact_lock(hashtext('switchyard:migrate'), hashtext($1))`,
  createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  /** $1 schema */
  schemaExists: `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
  /** (none) */
  appliedMigrations: `SELECT version FROM schema_migrations`,
  /** $1 version, $2 name */
  recordMigration: `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,

  // records -----------------------------------------------------------------------------------
  /** $1 tenant, $2 type, $3 id */
  getRecord: `SELECT * FROM records WHERE tenant = $1 AND type = $2 AND id = $3`,
  /** $1 tenant, $2 type, $3 id. Row lock until the transaction ends. */
  getRecordForUpdate: `SELECT * FROM records WHERE tenant = $1 AND type = $2 AND id = $3 FOR UPDATE`,
  /**
   * $1 tenants text[], $2 types text[], $3 ids text[] (triples, sorted by the caller). Row locks
   * until the transaction ends, taken in (tenant, type, id) order: LockRows runs above the sort, so
   * concurrent callers lock in one order and cannot deadlock each other.
   */
  lockRecords: `SELECT r.* FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant, type, id)
    JOIN records r ON r.tenant = k.tenant AND r.type = k.type AND r.id = k.id
    ORDER BY r.tenant, r.type, r.id FOR UPDATE OF r`,
  /** $1 tenant, $2 type, $3 after id (exclusive, '' for the first page), $4 limit */
  listRecords: `SELECT * FROM records WHERE tenant = $1 AND type = $2 AND id > $3 ORDER BY id LIMIT $4`,
  /**
   * $1 tenant, $2 type, $3 id, $4 version, $5 data (json text), $6 createdAt, $7 updatedAt.
   * No row inserted means the record exists; DO NOTHING keeps the transaction usable (an error would abort it).
   */
  insertRecord: `INSERT INTO records (tenant, type, id, version, data, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT (tenant, type, id) DO NOTHING`,
  /** $1 tenant, $2 type, $3 id, $4 version, $5 data (json text), $6 updatedAt, $7 expected version (invariant 4) */
  updateRecord: `UPDATE records SET version = $4, data = $5::jsonb, updated_at = $6
    WHERE tenant = $1 AND type = $2 AND id = $3 AND version = $7`,
  /** $1 tenant, $2 type, $3 id, $4 expected version */
  deleteRecord: `DELETE FROM records WHERE tenant = $1 AND type = $2 AND id = $3 AND version = $4`,

  // changes -----------------------------------------------------------------------------------
  /** $1 id, $2 tenant, $3 type, $4 recordId, $5 operation, $6 before, $7 after, $8 changedFields (json text or null),
   *  $9 versionBefore, $10 versionAfter, $11 actor, $12 cause (json text), $13 rootChangeId, $14 depth, $15 at */
  appendChange: `INSERT INTO changes (id, tenant, type, record_id, operation, before, after, changed_fields,
      version_before, version_after, actor, cause, root_change_id, depth, at)
    VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15)`,
  /**
   * The write-behind flush (tx.ts: deferWrites), one statement: the buffered record updates and
   * change appends as parallel arrays (rows.flushWritesParams). Records: $1 tenants, $2 types,
   * $3 ids, $4 versions, $5 data (json text), $6 updatedAt, $7 expected versions (one per key,
   * distinct keys); changes: $8 ids, $9 tenants, $10 types, $11 recordIds, $12 operations, $13
   * before, $14 after, $15 changedFields (json text or null), $16 versionBefore, $17 versionAfter,
   * $18 actors, $19 causes (json text), $20 rootChangeIds, $21 depths, $22 at. The same columns and
   * casts as updateRecord and appendChange; changes are inserted in array order, so their seq
   * follows the order they were appended in; record inserts: $23 tenants, $24 types, $25 ids, $26
   * versions, $27 data, $28 createdAt, $29 updatedAt (keys locked and found absent, none of them
   * also updated: write-behind.ts folds such an update into its insert). The parts share no row,
   * so one snapshot for all is what the separate statements would have done. Returns how many
   * records were updated and the ids inserted (an id missing there already existed: RECORD_EXISTS).
   */
  flushWrites: `WITH i AS (
      INSERT INTO records (tenant, type, id, version, data, created_at, updated_at)
      SELECT x.tenant, x.type, x.id, x.version, x.data::jsonb, x.created_at, x.updated_at
      FROM unnest($23::text[], $24::text[], $25::text[], $26::integer[], $27::text[], $28::bigint[], $29::bigint[])
        AS x(tenant, type, id, version, data, created_at, updated_at)
      ORDER BY x.tenant, x.type, x.id
      ON CONFLICT (tenant, type, id) DO NOTHING
      RETURNING tenant, type, id
    ), u AS (
      UPDATE records r SET version = x.version, data = x.data::jsonb, updated_at = x.updated_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::bigint[], $7::integer[])
        AS x(tenant, type, id, version, data, updated_at, expected)
      WHERE r.tenant = x.tenant AND r.type = x.type AND r.id = x.id AND r.version = x.expected
      RETURNING 1
    ), c AS (
      INSERT INTO changes (id, tenant, type, record_id, operation, before, after, changed_fields,
        version_before, version_after, actor, cause, root_change_id, depth, at)
      SELECT x.id, x.tenant, x.type, x.record_id, x.operation, x.before::jsonb, x.after::jsonb, x.changed_fields::jsonb,
        x.version_before, x.version_after, x.actor::jsonb, x.cause::jsonb, x.root_change_id, x.depth, x.at
      FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
        $16::integer[], $17::integer[], $18::text[], $19::text[], $20::text[], $21::integer[], $22::bigint[])
        WITH ORDINALITY AS x(id, tenant, type, record_id, operation, before, after, changed_fields,
          version_before, version_after, actor, cause, root_change_id, depth, at, ord)
      ORDER BY x.ord
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM u)::integer AS updated, (SELECT count(*) FROM c)::integer AS appended,
      (SELECT coalesce(jsonb_agg(jsonb_build_array(tenant, type, id)), '[]'::jsonb) FROM i) AS inserted`,
  /** $1 tenant, $2 type, $3 recordId */
  listChanges: `SELECT * FROM changes WHERE tenant = $1 AND type = $2 AND record_id = $3 ORDER BY seq`,
  /** $1 tenant, $2 type, $3 recordId, $4 limit */
  listRecentChanges: `SELECT * FROM changes WHERE tenant = $1 AND type = $2 AND record_id = $3 ORDER BY seq DESC LIMIT $4`,
  /** $1 tenant, $2 id */
  getChange: `SELECT * FROM changes WHERE tenant = $1 AND id = $2`,

  // workflows ---------------------------------------------------------------------------------
  /** $1 tenant */
  getRevision: `SELECT revision FROM catalog WHERE tenant = $1`,
  /** $1 tenant */
  bumpRevision: `INSERT INTO catalog (tenant, revision) VALUES ($1, 1)
    ON CONFLICT (tenant) DO UPDATE SET revision = catalog.revision + 1 RETURNING revision`,
  /** $1 tenant, $2 workflowId */
  getWorkflow: `SELECT * FROM workflows WHERE tenant = $1 AND workflow_id = $2`,
  /** $1 tenant */
  listWorkflows: `SELECT * FROM workflows WHERE tenant = $1 ORDER BY workflow_id`,
  /** $1 tenant, $2 workflowId, $3 enabled, $4 latestVersion, $5 activeVersion, $6 updatedAt */
  upsertWorkflow: `INSERT INTO workflows (tenant, workflow_id, enabled, latest_version, active_version, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (tenant, workflow_id) DO UPDATE SET enabled = excluded.enabled,
      latest_version = excluded.latest_version, active_version = excluded.active_version, updated_at = excluded.updated_at`,
  /** $1 tenant, $2 workflowId, $3 version, $4 definition (json text), $5 hash, $6 createdAt */
  insertVersion: `INSERT INTO workflow_versions (tenant, workflow_id, version, definition, hash, created_at)
    VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
  /** $1 tenant, $2 workflowId */
  getLatestVersion: `SELECT * FROM workflow_versions WHERE tenant = $1 AND workflow_id = $2 ORDER BY version DESC LIMIT 1`,
  /** $1 tenant, $2 workflowId, $3 version */
  getVersion: `SELECT * FROM workflow_versions WHERE tenant = $1 AND workflow_id = $2 AND version = $3`,
  /** $1 tenant, $2 workflowId */
  listVersions: `SELECT * FROM workflow_versions WHERE tenant = $1 AND workflow_id = $2 ORDER BY version`,
  /** $1 tenant */
  listActiveVersions: `SELECT v.* FROM workflows w JOIN workflow_versions v
      ON v.tenant = w.tenant AND v.workflow_id = w.workflow_id AND v.version = w.active_version
    WHERE w.tenant = $1 AND w.enabled ORDER BY w.workflow_id`,

  // executions: writes ------------------------------------------------------------------------
  /**
   * $1 rows: a JSON array of objects keyed by column name (rows.executionBatch). One statement
   * for the whole batch; duplicates of the dedup key are ignored (invariant 2), new queued rows
   * lower their lane's ready_at (a row inserted as 'skipped' by a loop guard has no lane work). Lanes are upserted in key order so concurrent batches lock them in
   * the same order. Returns the number of new executions.
   */
  insertExecutions: insertExecutionsSql(false),
  /** The same for executions of another occurrence kind than a record change: names occurrence_kind. */
  insertExecutionsOfKind: insertExecutionsSql(true),

  /** $1 id, $2 attempt. Locks the row so a sweep cannot take the lease before this transaction ends. */
  checkLease: `SELECT e.stop_request, e.stopped_by, e.stop_reason, h.actor AS hold_actor, h.reason AS hold_reason
    FROM executions e LEFT JOIN LATERAL (
      -- the hold covering it (store/stops.ts): its workflow's first, else the tenant's
      SELECT actor, reason FROM holds WHERE tenant = e.tenant AND workflow_id IN (e.workflow_id, '*')
      ORDER BY workflow_id = '*' LIMIT 1) h ON true
    WHERE e.id = $1 AND e.status = 'running' AND e.attempt = $2 FOR UPDATE OF e`,

  /** $1 id, $2 attempt, $3 status, $4 reason, $5 finishedAt, $6 runAt (null keeps it), $7 waitingOn. Returns the lane released. */
  finish: `WITH done AS (
      UPDATE executions SET lease_expiries = 0, status = $3, reason = $4, finished_at = $5, run_at = COALESCE($6::bigint, run_at),
        waiting_on = $7, lease_until = NULL, worker_id = NULL, stop_request = NULL, stopped_by = $8, stop_reason = $9
      WHERE id = $1 AND status = 'running' AND attempt = $2
      RETURNING id, tenant, lane
    ), released AS (
      UPDATE lanes l SET running_id = NULL FROM done
      WHERE l.tenant = done.tenant AND l.lane = done.lane AND l.running_id = done.id
    )
    SELECT tenant, lane FROM done`,

  /**
   * $1 ids text[], $2 attempts integer[], $3 finishedAt bigint[] (the leases and their finish times),
   * then the steps: $4 stepIds text[], $5 step attempts integer[], $6 statuses text[], $7 outputs
   * text[] (json text), $8 errors text[], $9 startedAt bigint[], $10 step finishedAt bigint[]; all
   * parallel, one entry per execution (distinct ids). completeSteps: `saveStep` + `finish` as
   * 'succeeded' for every execution still held (id, attempt, running), in one statement; the steps
   * of exactly those are saved, in the order given. Returns the lanes released; the caller
   * refreshes them (refreshLanes) in a later statement, as finish does.
   */
  completeSteps: `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::text[], $5::integer[], $6::text[], $7::text[],
        $8::text[], $9::bigint[], $10::bigint[])
        WITH ORDINALITY AS x(id, attempt, done_at, step_id, step_attempt, status, output, error, started_at, finished_at, ord)
    ), done AS (
      UPDATE executions e SET lease_expiries = 0, status = 'succeeded', reason = NULL, finished_at = input.done_at,
        waiting_on = NULL, lease_until = NULL, worker_id = NULL, stop_request = NULL, stopped_by = NULL, stop_reason = NULL
      FROM input WHERE e.id = input.id AND e.status = 'running' AND e.attempt = input.attempt
      RETURNING e.id, e.tenant, e.lane
    ), saved AS (
      INSERT INTO steps (execution_id, step_id, attempt, status, output, error, started_at, finished_at)
      SELECT input.id, input.step_id, input.step_attempt, input.status, input.output::jsonb, input.error, input.started_at, input.finished_at
      FROM input JOIN done ON done.id = input.id ORDER BY input.ord
      ON CONFLICT (execution_id, step_id) DO UPDATE SET attempt = excluded.attempt, status = excluded.status,
        output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at
    ), released AS (
      UPDATE lanes l SET running_id = NULL FROM done
      WHERE l.tenant = done.tenant AND l.lane = done.lane AND l.running_id = done.id
    )
    SELECT id, tenant, lane FROM done`,

  /** $1 tenants text[], $2 lanes text[] (pairs). Run after the statement that locked these lanes. */
  refreshLanes: `WITH listed AS (SELECT * FROM unnest($1::text[], $2::text[]) AS x(tenant, lane)),
    ${refreshLanes('listed', '')}
    SELECT count(*)::integer AS n FROM fresh`,

  /** $1 ids text[], $2 attempts integer[] (pairs), $3 workerId, $4 leaseUntil. Returns the ids still held. */
  heartbeat: `UPDATE executions e SET lease_until = $4
    FROM unnest($1::text[], $2::integer[]) AS l(id, attempt)
    WHERE e.id = l.id AND e.attempt = l.attempt AND e.status = 'running' AND e.worker_id = $3
    RETURNING e.id`,

  /**
   * $1 now, $2 max expiries. Requeues running executions whose lease ran out below the quarantine
   * threshold, counting the expiry, and frees their lanes; returns those lanes.
   */
  sweep: `WITH expired AS (
      SELECT id FROM executions WHERE status = 'running' AND lease_until < $1 AND lease_expiries + 1 < $2
      FOR UPDATE SKIP LOCKED
    ), requeued AS (
      UPDATE executions e SET lease_until = NULL, worker_id = NULL, lease_expiries = e.lease_expiries + 1,
        -- a stop asked of the lost worker is done here instead (store/stops.ts)
        status = CASE e.stop_request WHEN 'cancel' THEN 'cancelled' WHEN 'pause' THEN 'paused' ELSE 'queued' END,
        reason = CASE e.stop_request WHEN 'cancel' THEN e.stop_reason ELSE e.reason END,
        finished_at = CASE e.stop_request WHEN 'cancel' THEN $1 ELSE e.finished_at END, stop_request = NULL
      FROM expired WHERE e.id = expired.id
      RETURNING e.id, e.tenant, e.lane
    ), released AS (
      UPDATE lanes l SET running_id = NULL FROM requeued r
      WHERE l.tenant = r.tenant AND l.lane = r.lane AND l.running_id = r.id
    )
    SELECT tenant, lane FROM requeued`,

  /** $1 now, $2 max expiries. Expired leases that reach the quarantine threshold with this expiry, locked. */
  expiredAtThreshold: `SELECT * FROM executions
    WHERE status = 'running' AND lease_until < $1 AND lease_expiries + 1 >= $2
    ORDER BY lease_until, seq FOR UPDATE SKIP LOCKED`,

  /**
   * $1 ids text[], $2 reasons text[] (pairs, rows locked by expiredAtThreshold), $3 now.
   * Dead-letters poison pills (their lease ran out too often without a checkpoint) and frees
   * their lanes; returns the rows as stored. The caller refreshes the lanes in a later statement.
   */
  quarantine: `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[]) AS x(id, reason)
    ), failed AS (
      UPDATE executions e SET status = 'failed', reason = input.reason, finished_at = $3,
        lease_until = NULL, worker_id = NULL, lease_expiries = e.lease_expiries + 1
      FROM input WHERE e.id = input.id AND e.status = 'running'
      RETURNING e.*
    ), released AS (
      UPDATE lanes l SET running_id = NULL FROM failed f
      WHERE l.tenant = f.tenant AND l.lane = f.lane AND l.running_id = f.id
    )
    SELECT * FROM failed`,

  // executions: the claim (see ARCHITECTURE.md) ----------------------------------------------
  /** $1 tenant, $2 lane. Locks one free lane (the suspect's), or returns nothing. */
  lockLane: `SELECT tenant, lane FROM lanes WHERE tenant = $1 AND lane = $2 AND running_id IS NULL FOR UPDATE SKIP LOCKED`,

  /**
   * $1 id, $2 now, $3 leaseUntil, $4 workerId. Claims one suspect alone, in a later statement than
   * the one that locked its lane, and marks the lane running.
   */
  claimOne: `WITH claimed AS (
      UPDATE executions e SET status = 'running', attempt = e.attempt + 1, lease_until = $3, worker_id = $4,
        started_at = COALESCE(e.started_at, $2)
      WHERE e.id = $1 AND e.status = 'queued' AND e.run_at <= $2
      RETURNING e.*
    ), marked AS (
      UPDATE lanes l SET running_id = c.id FROM claimed c WHERE l.tenant = c.tenant AND l.lane = c.lane
    )
    SELECT * FROM claimed`,

  /**
   * $1 now, $2 max tenants, $3 whether to look for a suspect. What a claim may take, read before
   * its transaction in one statement. `suspect`: the oldest ready suspect (lease_expiries > 0: it
   * may have crashed its last worker) whose lane is free, through the small partial index
   * executions_suspects. `tenants`: those with a free lane whose work is ready, the longest-waiting
   * first, by a skip scan over lanes_ready_by_tenant (one index probe per tenant: the first entry
   * past the previous tenant is the next tenant's oldest ready lane), not one per row. Both are
   * hints: the claim's transaction locks and re-checks whatever it takes.
   */
  claimCandidates: `WITH RECURSIVE t AS (
      (SELECT r.tenant, r.ready_at FROM lanes r WHERE ${readyLane('r')} ORDER BY r.tenant, r.ready_at LIMIT 1)
      UNION ALL
      SELECT n.tenant, n.ready_at FROM t CROSS JOIN LATERAL (
        SELECT l.tenant, l.ready_at FROM lanes l WHERE ${readyLane('l')} AND l.tenant > t.tenant
        ORDER BY l.tenant, l.ready_at LIMIT 1) n
    ), suspect AS (
      SELECT e.id, e.tenant, e.lane FROM executions e
      JOIN lanes l ON l.tenant = e.tenant AND l.lane = e.lane AND l.running_id IS NULL
      WHERE $3::boolean AND e.status = 'queued' AND e.lease_expiries > 0 AND e.run_at <= $1
      ORDER BY e.run_at, e.seq LIMIT 1
    )
    SELECT (SELECT json_build_object('id', id, 'tenant', tenant, 'lane', lane) FROM suspect) AS suspect,
      ARRAY(SELECT tenant FROM t WHERE ready_at <= $1 ORDER BY ready_at, tenant LIMIT $2) AS tenants`,

  /** $1 tenants text[], $2 now, $3 lanes per tenant. Locks each tenant's oldest ready free lanes. */
  lockLanesPerTenant: `SELECT l.tenant, l.lane FROM unnest($1::text[]) AS t(tenant)
    CROSS JOIN LATERAL (
      SELECT r.tenant, r.lane FROM lanes r
      WHERE r.tenant = t.tenant AND ${readyLane('r')} AND r.ready_at <= $2
      ORDER BY r.tenant, r.ready_at LIMIT $3
      FOR UPDATE SKIP LOCKED) l`,

  /** $1 now, $2 limit, $3 tenants text[], $4 lanes text[] (pairs already locked by this transaction). */
  lockLanesOldest: `SELECT l.tenant, l.lane FROM lanes l
    WHERE ${readyLane('l')} AND l.ready_at <= $1
      AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS x(tenant, lane)
                      WHERE x.tenant = l.tenant AND x.lane = l.lane)
    ORDER BY l.ready_at LIMIT $2
    FOR UPDATE SKIP LOCKED`,

  /**
   * $1 tenants text[], $2 lanes text[] (pairs this transaction locked), $3 now, $4 leaseUntil, $5 workerId.
   * Claims the head (oldest ready) of each locked lane and marks the lane running; a locked lane
   * with nothing ready gets its ready_at recomputed (or is deleted when nothing is queued). Must be a later statement than the lock,
   * so that its snapshot sees every commit made before the lock was taken.
   */
  claimHeads: `WITH locked AS (
      SELECT * FROM unnest($1::text[], $2::text[]) AS x(tenant, lane)
    ), heads AS (
      SELECT h.id, h.row_tid, locked.tenant, locked.lane FROM locked
      CROSS JOIN LATERAL (
        SELECT e.id, e.ctid AS row_tid FROM executions e
        WHERE e.tenant = locked.tenant AND e.lane = locked.lane AND e.status = 'queued' AND e.run_at <= $3
        ORDER BY e.run_at, e.seq LIMIT 1) h
    ), claimed AS (
      UPDATE executions e SET status = 'running', attempt = e.attempt + 1, lease_until = $4, worker_id = $5,
        started_at = COALESCE(e.started_at, $3)
      -- By the rows' ctids (a TID scan whatever the statistics say): joined on id, a freshly filled
      -- table that the planner took for tiny was scanned in full, 7 ms for 16 of 5,000 queued. The
      -- WHERE is rechecked on the newest version of a row updated meanwhile (READ COMMITTED).
      WHERE e.ctid = ANY (ARRAY(SELECT row_tid FROM heads)) AND e.status = 'queued' AND e.lease_expiries = 0 -- a suspect runs alone
      RETURNING e.*
    ), marked AS (
      UPDATE lanes l SET running_id = c.id FROM claimed c WHERE l.tenant = c.tenant AND l.lane = c.lane
    ), headless AS (
      SELECT * FROM locked WHERE NOT EXISTS (SELECT 1 FROM heads WHERE heads.tenant = locked.tenant AND heads.lane = locked.lane)
    ), ${refreshLanes('headless', 'heal_')}
    SELECT * FROM claimed ORDER BY run_at, seq`,

  /**
   * $1 tenant, $2 ids text[], $3 from statuses text[], $4 now. Dead-letter replay: back to the
   * queue at now. Upserts the lane (an idle lane has no row), only lowers ready_at (safe without a
   * prior lock: a lower bound is all a lane needs, the claim heals it), and frees the lane if a
   * requeued execution was its running one.
   */
  requeue: `WITH moved AS (
      UPDATE executions e SET run_at = $4, reason = NULL, finished_at = NULL, lease_until = NULL, worker_id = NULL,
        -- a hold covering it holds it (store/stops.ts)
        status = CASE WHEN h.actor IS NULL THEN 'queued' ELSE 'paused' END, stopped_by = h.actor, stop_reason = h.reason
      FROM executions x LEFT JOIN LATERAL (
        SELECT actor, reason FROM holds WHERE tenant = x.tenant AND workflow_id IN (x.workflow_id, '*')
        ORDER BY workflow_id = '*' LIMIT 1) h ON true
      WHERE x.id = e.id AND e.tenant = $1 AND e.id = ANY($2::text[]) AND e.status = ANY($3::text[])
      RETURNING e.id, e.lane
    ), lanes_up AS (
      INSERT INTO lanes (tenant, lane, ready_at) SELECT $1, lane, $4::bigint FROM moved GROUP BY lane ORDER BY lane
      ON CONFLICT (tenant, lane) DO UPDATE SET ready_at = LEAST(lanes.ready_at, excluded.ready_at),
        running_id = CASE WHEN lanes.running_id IN (SELECT id FROM moved) THEN NULL ELSE lanes.running_id END
    )
    SELECT id FROM moved`,
  /**
   * $1 tenant, $2 waitingOn (a breaker key), $3 now. A breaker closed: its waiting executions are
   * due now. Only lowers their lanes' ready_at (a lower bound is all a lane needs, as in requeue).
   */
  releaseWaiting: `WITH released AS (
      UPDATE executions SET run_at = LEAST(run_at, $3::bigint), waiting_on = NULL
      WHERE tenant = $1 AND status = 'queued' AND waiting_on = $2
      RETURNING lane
    ), lanes_up AS (
      INSERT INTO lanes (tenant, lane, ready_at) SELECT $1, lane, $3::bigint FROM released GROUP BY lane ORDER BY lane
      ON CONFLICT (tenant, lane) DO UPDATE SET ready_at = LEAST(lanes.ready_at, excluded.ready_at)
    )
    SELECT count(*)::integer AS n FROM released`,
  /** $1 tenant, $2 ids text[], $3 from statuses text[], $4 reason, $5 now. Frees the lane of a cancelled running execution. */
  cancel: `WITH moved AS (
      UPDATE executions SET status = 'cancelled', reason = $4, finished_at = $5, lease_until = NULL, worker_id = NULL
      WHERE tenant = $1 AND id = ANY($2::text[]) AND status = ANY($3::text[])
      RETURNING id, lane
    ), lanes_up AS (
      UPDATE lanes l SET running_id = NULL
      WHERE l.tenant = $1 AND l.lane IN (SELECT lane FROM moved) AND l.running_id IN (SELECT id FROM moved)
    )
    SELECT id FROM moved`,

  // executions: reads -------------------------------------------------------------------------
  /** $1 tenant, $2 id */
  getExecution: `SELECT * FROM executions WHERE tenant = $1 AND id = $2`,
  /** (none) */
  nextRunAt: `SELECT min(run_at) AS at FROM executions WHERE status = 'queued'`,
  /** (none) */
  countByStatus: `SELECT status, count(*)::integer AS n FROM executions GROUP BY status`,
  /** $1 tenant */
  countByStatusForTenant: `SELECT status, count(*)::integer AS n FROM executions WHERE tenant = $1 GROUP BY status`,

  // loop guards -------------------------------------------------------------------------------
  /**
   * $1 tenant, $2 rootChangeId (null: no count), $3 count up to, $4 recordType, $5 recordId, $6 workflowIds text[].
   * Everything the loop guard reads for one write, in one round trip. The first row (workflow_id
   * NULL) is the root change's executions, counted through executions_by_tenant_root and stopped
   * at $3 (the largest budget in play: the guard only asks "has it reached the budget?"). Then one
   * row per workflow: its newest non-skipped execution on the record, the last entry of the
   * partial index executions_last_run (skipped rows are not in it). ORDER BY ... DESC LIMIT 1, not
   * max(): without statistics the planner would aggregate over the whole range.
   */
  loopGuardFacts: `SELECT NULL::text AS workflow_id, count(*)::bigint AS v
      FROM (SELECT 1 FROM executions WHERE tenant = $1 AND root_change_id = $2 LIMIT $3) AS c
    UNION ALL
    SELECT w.id, (SELECT e.created_at FROM executions e
        WHERE e.tenant = $1 AND e.workflow_id = w.id AND e.record_type = $4 AND e.record_id = $5 AND e.status <> 'skipped'
        ORDER BY e.created_at DESC LIMIT 1)
      FROM unnest($6::text[]) AS w(id)`,

  // alerts, effects, attempts, breakers -------------------------------------------------------
  /** $1 id, $2 tenant, $3 kind, $4 severity, $5 message, $6 details (json text), $7 at */
  insertAlert: `INSERT INTO alerts (id, tenant, kind, severity, message, details, at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
  /** $1 alerts: a JSON array of AlertRow objects (rows.alertBatch). One statement; seq follows the array's order. */
  insertAlerts: `INSERT INTO alerts (id, tenant, kind, severity, message, details, at)
    SELECT x.id, x.tenant, x.kind, x.severity, x.message, x.details, x.at
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(elem, ord)
    CROSS JOIN LATERAL jsonb_to_record(a.elem) AS x(id text, tenant text, kind text, severity text, message text, details jsonb, at bigint)
    ORDER BY a.ord`,
  /** $1 tenant, $2 limit. Newest first. */
  listAlerts: `SELECT * FROM alerts WHERE tenant = $1 ORDER BY seq DESC LIMIT $2`,
  /** $1 tenant, $2 key */
  getEffect: `SELECT * FROM effects WHERE tenant = $1 AND key = $2`,
  /** $1 tenant, $2 key, $3 executionId, $4 stepId, $5 action, $6 result (json text), $7 at. The first write wins. */
  saveEffect: `INSERT INTO effects (tenant, key, execution_id, step_id, action, result, at)
    VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (tenant, key) DO NOTHING`,
  /** $1 executionId, $2 stepId, $3 attempt, $4 action, $5 error, $6 code, $7 retryable, $8 startedAt, $9 finishedAt */
  recordAttempt: `INSERT INTO attempts (execution_id, step_id, attempt, action, error, code, retryable, started_at, finished_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  /** $1 executionId */
  listAttempts: `SELECT * FROM attempts WHERE execution_id = $1 ORDER BY seq`,
  /** $1 tenant, $2 key */
  getBreaker: `SELECT * FROM breakers WHERE tenant = $1 AND key = $2`,
  /** $1 tenant, $2 key. Serializes read-modify-write of one breaker, even before its row exists. */
  lockBreaker: `SELECT pg_advisory_xact_lock(hashtextextended('breaker/' || $1 || '/' || $2, 0))`,
  /** $1 tenant, $2 key, $3 state (json text), $4 updatedAt */
  putBreaker: `INSERT INTO breakers (tenant, key, state, updated_at) VALUES ($1, $2, $3::jsonb, $4)
    ON CONFLICT (tenant, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  /** $1 tenant */
  listBreakers: `SELECT * FROM breakers WHERE tenant = $1 ORDER BY key`,

  // condition stats (measured cost and selectivity, added in batches) --------------------------
  /** $1 tenant, $2 workflowId */
  listConditionStats: `SELECT * FROM condition_stats WHERE tenant = $1 AND workflow_id = $2 ORDER BY condition_key`,
  /** $1 tenants, $2 workflowIds, $3 conditionKeys (text[]), $4 runs, $5 falses (bigint[]), $6 totalMs (float8[]), $7 now; one row per key */
  addConditionStats: `INSERT INTO condition_stats (tenant, workflow_id, condition_key, runs, falses, total_ms, updated_at)
    SELECT d.tenant, d.workflow_id, d.condition_key, d.runs, d.falses, d.total_ms, $7::bigint
    FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::float8[])
      AS d(tenant, workflow_id, condition_key, runs, falses, total_ms)
    ON CONFLICT (tenant, workflow_id, condition_key) DO UPDATE SET runs = condition_stats.runs + excluded.runs,
      falses = condition_stats.falses + excluded.falses, total_ms = condition_stats.total_ms + excluded.total_ms,
      updated_at = excluded.updated_at`,

  // steps -------------------------------------------------------------------------------------
  /** $1 executionId, $2 stepId, $3 attempt, $4 status, $5 output (json text), $6 error, $7 startedAt, $8 finishedAt */
  saveStep: `WITH checkpoint AS (
      -- A checkpoint clears the count of leases that ran out (no write when it is already 0).
      UPDATE executions SET lease_expiries = 0 WHERE id = $1 AND lease_expiries > 0
    )
    INSERT INTO steps (execution_id, step_id, attempt, status, output, error, started_at, finished_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
    ON CONFLICT (execution_id, step_id) DO UPDATE SET attempt = excluded.attempt, status = excluded.status,
      output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at`,
  /** $1 executionId */
  listSteps: `SELECT * FROM steps WHERE execution_id = $1 ORDER BY started_at, seq`,

  // batched context loads (loadExecutionContexts) ---------------------------------------------
  // One statement each whatever the batch size: the keys come as parallel arrays, and each key is
  // one primary-key (or unique-index) probe.
  /** $1 tenants text[], $2 change ids text[] (pairs) */
  contextChanges: `SELECT c.* FROM unnest($1::text[], $2::text[]) AS k(tenant, id)
    JOIN changes c ON c.id = k.id AND c.tenant = k.tenant`,
  /** $1 tenants text[], $2 types text[], $3 ids text[] (triples) */
  contextRecords: `SELECT r.* FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant, type, id)
    JOIN records r ON r.tenant = k.tenant AND r.type = k.type AND r.id = k.id`,
  /** $1 tenants text[], $2 execution ids text[] (pairs). Steps only of executions of that tenant, in listSteps order per execution. */
  contextSteps: `SELECT e.tenant AS context_tenant, s.* FROM unnest($1::text[], $2::text[]) AS k(tenant, id)
    JOIN executions e ON e.id = k.id AND e.tenant = k.tenant
    JOIN steps s ON s.execution_id = e.id
    ORDER BY s.execution_id, s.started_at, s.seq`,
  /** $1 tenants text[], $2 execution ids text[] (pairs). Failed attempts per (execution, step). */
  contextAttempts: `SELECT e.tenant AS context_tenant, a.execution_id, a.step_id, count(*)::integer AS failed
    FROM unnest($1::text[], $2::text[]) AS k(tenant, id)
    JOIN executions e ON e.id = k.id AND e.tenant = k.tenant
    JOIN attempts a ON a.execution_id = e.id
    GROUP BY e.tenant, a.execution_id, a.step_id`,

  // wake-ups ----------------------------------------------------------------------------------
  /** $1 channel (switchyard_queued_<schema>) */
  notify: `SELECT pg_notify($1, '')`,
} as const;

/**
 * listExecutions: fixed clauses chosen by which filters are present; values always bound.
 * Parameters are numbered in the order the clauses are added; the limit comes last.
 */
export function listExecutions(filter: ExecutionFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [filter.tenant];
  const clauses = ['tenant = $1'];
  const add = (clause: (n: string) => string, value: unknown): void => {
    values.push(value);
    clauses.push(clause(`$${values.length}`));
  };
  if (filter.status) add((n) => `status = ${n}`, filter.status);
  if (filter.workflowId) add((n) => `workflow_id = ${n}`, filter.workflowId);
  if (filter.recordType) add((n) => `record_type = ${n}`, filter.recordType);
  if (filter.recordId) add((n) => `record_id = ${n}`, filter.recordId);
  if (filter.rootChangeId) add((n) => `root_change_id = ${n}`, filter.rootChangeId);
  if (filter.before) add((n) => `seq < (SELECT seq FROM executions WHERE id = ${n})`, filter.before);
  values.push(filter.limit ?? 100);
  return {
    text: `SELECT * FROM executions WHERE ${clauses.join(' AND ')} ORDER BY seq DESC LIMIT $${values.length}`,
    values,
  };
}

/**
 * Q.insertExecutions / Q.insertExecutionsOfKind. A record change's executions leave occurrence_kind
 * to its default ('record_change'), so that statement also runs on a schema from before migration 6.
 */
function insertExecutionsSql(withKind: boolean): string {
  return `WITH input AS (
      SELECT x.*, a.ord FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(elem, ord)
      CROSS JOIN LATERAL jsonb_to_record(a.elem) AS x(
        id text, tenant text, kind text, workflow_id text, version integer, trigger_key text,${withKind ? ' occurrence_kind text,' : ''} step_id text,
        parent_id text, record_type text, record_id text, lane text, run_at bigint, root_change_id text,
        depth integer, input jsonb, created_at bigint, status text, reason text, finished_at bigint)
    ), inserted AS (
      INSERT INTO executions (id, tenant, kind, workflow_id, version, trigger_key,${withKind ? ' occurrence_kind,' : ''} step_id, parent_id,
        record_type, record_id, lane, status, attempt, run_at, root_change_id, depth, input, created_at, reason, finished_at)
      SELECT id, tenant, kind, workflow_id, version, trigger_key,${withKind ? ' occurrence_kind,' : ''} step_id, parent_id,
        record_type, record_id, lane, status, 0, run_at, root_change_id, depth, input, created_at, reason, finished_at
      FROM input ORDER BY ord
      ON CONFLICT (tenant, workflow_id, version, trigger_key, step_id) DO NOTHING
      RETURNING tenant, lane, run_at, status
    ), lanes_up AS (
      INSERT INTO lanes (tenant, lane, ready_at)
      SELECT tenant, lane, min(run_at) FROM inserted WHERE status = 'queued' GROUP BY tenant, lane ORDER BY tenant, lane
      ON CONFLICT (tenant, lane) DO UPDATE SET ready_at = LEAST(lanes.ready_at, excluded.ready_at)
    )
    SELECT count(*)::integer AS inserted FROM inserted`;
}
