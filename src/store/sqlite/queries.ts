// Every SQLite statement, in one place. Parameters are named (@name) and always bound.

/**
 * CTE queued_tenants(tenant): the distinct tenants with queued executions, found by skipping
 * through the executions_ready index one tenant at a time (a loose index scan).
 */
const queuedTenants = `RECURSIVE queued_tenants(tenant) AS (
      SELECT (SELECT MIN(tenant) FROM executions WHERE status = 'queued')
      UNION ALL
      SELECT (SELECT MIN(e.tenant) FROM executions e WHERE e.status = 'queued' AND e.tenant > q.tenant)
      FROM queued_tenants q WHERE q.tenant IS NOT NULL
    )`;

/** FROM clause: the holds covering the execution being updated (store/stops.ts). */
const covering = `holds h WHERE h.tenant = executions.tenant AND h.workflow_id IN (executions.workflow_id, '*')`;

export const Q = {
  // records -----------------------------------------------------------------------------------
  getRecord: `SELECT * FROM records WHERE tenant = @tenant AND type = @type AND id = @id`,
  listRecords: `SELECT * FROM records WHERE tenant = @tenant AND type = @type AND id > @after ORDER BY id LIMIT @limit`,
  insertRecord: `INSERT INTO records (tenant, type, id, version, data, created_at, updated_at)
    VALUES (@tenant, @type, @id, @version, @data, @createdAt, @updatedAt)`,
  /** @expectedVersion guards against lost updates (invariant 4). */
  updateRecord: `UPDATE records SET version = @version, data = @data, updated_at = @updatedAt
    WHERE tenant = @tenant AND type = @type AND id = @id AND version = @expectedVersion`,
  deleteRecord: `DELETE FROM records WHERE tenant = @tenant AND type = @type AND id = @id AND version = @expectedVersion`,

  // changes -----------------------------------------------------------------------------------
  appendChange: `INSERT INTO changes (id, tenant, type, record_id, operation, before, after, changed_fields,
      version_before, version_after, actor, cause, root_change_id, depth, at)
    VALUES (@id, @tenant, @type, @recordId, @operation, @before, @after, @changedFields,
      @versionBefore, @versionAfter, @actor, @cause, @rootChangeId, @depth, @at)`,
  listChanges: `SELECT * FROM changes WHERE tenant = @tenant AND type = @type AND record_id = @recordId ORDER BY seq`,
  listRecentChanges: `SELECT * FROM changes WHERE tenant = @tenant AND type = @type AND record_id = @recordId ORDER BY seq DESC LIMIT @limit`,
  getChange: `SELECT * FROM changes WHERE tenant = @tenant AND id = @id`,

  // workflows ---------------------------------------------------------------------------------
  getRevision: `SELECT revision FROM catalog WHERE tenant = @tenant`,
  bumpRevision: `INSERT INTO catalog (tenant, revision) VALUES (@tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET revision = revision + 1 RETURNING revision`,
  getWorkflow: `SELECT * FROM workflows WHERE tenant = @tenant AND workflow_id = @workflowId`,
  listWorkflows: `SELECT * FROM workflows WHERE tenant = @tenant ORDER BY workflow_id`,
  upsertWorkflow: `INSERT INTO workflows (tenant, workflow_id, enabled, latest_version, active_version, updated_at)
    VALUES (@tenant, @workflowId, @enabled, @latestVersion, @activeVersion, @updatedAt)
    ON CONFLICT (tenant, workflow_id) DO UPDATE SET enabled = excluded.enabled,
      latest_version = excluded.latest_version, active_version = excluded.active_version, updated_at = excluded.updated_at`,
  insertVersion: `INSERT INTO workflow_versions (tenant, workflow_id, version, definition, hash, created_at)
    VALUES (@tenant, @workflowId, @version, @definition, @hash, @createdAt)`,
  getLatestVersion: `SELECT * FROM workflow_versions WHERE tenant = @tenant AND workflow_id = @workflowId ORDER BY version DESC LIMIT 1`,
  getVersion: `SELECT * FROM workflow_versions WHERE tenant = @tenant AND workflow_id = @workflowId AND version = @version`,
  listVersions: `SELECT * FROM workflow_versions WHERE tenant = @tenant AND workflow_id = @workflowId ORDER BY version`,
  listActiveVersions: `SELECT v.* FROM workflows w JOIN workflow_versions v
      ON v.tenant = w.tenant AND v.workflow_id = w.workflow_id AND v.version = w.active_version
    WHERE w.tenant = @tenant AND w.enabled = 1 ORDER BY w.workflow_id`,

  // executions --------------------------------------------------------------------------------
  // A record change's execution leaves occurrence_kind to its default ('record_change'), so the
  // statement also runs on a schema from before migration 6; other kinds name it.
  insertExecution: `INSERT INTO executions (id, tenant, kind, workflow_id, version, trigger_key, step_id, parent_id,
      record_type, record_id, lane, status, attempt, run_at, root_change_id, depth, input, created_at, reason, finished_at)
    VALUES (@id, @tenant, @kind, @workflowId, @version, @triggerKey, @stepId, @parentId,
      @recordType, @recordId, @lane, @status, 0, @runAt, @rootChangeId, @depth, @input, @createdAt, @reason, @finishedAt)
    ON CONFLICT (tenant, trigger_key, workflow_id, version, step_id) DO NOTHING`,
  insertExecutionOfKind: `INSERT INTO executions (id, tenant, kind, workflow_id, version, trigger_key, occurrence_kind, step_id, parent_id,
      record_type, record_id, lane, status, attempt, run_at, root_change_id, depth, input, created_at, reason, finished_at)
    VALUES (@id, @tenant, @kind, @workflowId, @version, @triggerKey, @occurrenceKind, @stepId, @parentId,
      @recordType, @recordId, @lane, @status, 0, @runAt, @rootChangeId, @depth, @input, @createdAt, @reason, @finishedAt)
    ON CONFLICT (tenant, trigger_key, workflow_id, version, step_id) DO NOTHING`,
  getExecution: `SELECT * FROM executions WHERE tenant = @tenant AND id = @id`,
  /**
   * Tenants with ready work, the one waiting longest first (claim fairness). One index seek per
   * tenant (executions_ready), never a scan of the whole queue: claims stay flat as the backlog grows.
   */
  readyTenants: `WITH ${queuedTenants} SELECT tenant, oldest FROM (
      SELECT tenant, (SELECT MIN(run_at) FROM executions e WHERE e.status = 'queued' AND e.tenant = q.tenant) AS oldest
      FROM queued_tenants q)
    WHERE oldest <= @now ORDER BY oldest, tenant`,
  /** Ready work of one tenant, oldest first, skipping lanes that already run something. Only what the claim picks by: the claim's UPDATE returns the rows. */
  readyForTenant: `SELECT e.id, e.lane, e.lease_expiries FROM executions e
    WHERE e.status = 'queued' AND e.tenant = @tenant AND e.run_at <= @now
      AND NOT EXISTS (SELECT 1 FROM executions r WHERE r.status = 'running' AND r.lane = e.lane)
    ORDER BY e.run_at, e.seq LIMIT @limit`,
  /** The claim of the picked executions in one statement: @ids a JSON array of their ids. */
  claim: `UPDATE executions SET status = 'running', attempt = attempt + 1, lease_until = @leaseUntil,
      worker_id = @workerId, started_at = COALESCE(started_at, @now)
    WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'queued' RETURNING *`,
  /** The lease is held: then its stop request, or the hold covering it (store/stops.ts), if any. */
  checkLease: `SELECT e.stop_request, e.stopped_by, e.stop_reason, h.actor AS hold_actor, h.reason AS hold_reason
    FROM executions e LEFT JOIN holds h ON h.tenant = e.tenant AND h.workflow_id IN (e.workflow_id, '*')
    WHERE e.id = @id AND e.status = 'running' AND e.attempt = @attempt
    ORDER BY h.workflow_id = '*' LIMIT 1`,
  /** A finish is a checkpoint: it clears lease_expiries (poison-pill containment). */
  finish: `UPDATE executions SET lease_expiries = 0, status = @status, reason = @reason, finished_at = @finishedAt,
      run_at = COALESCE(@runAt, run_at), waiting_on = @waitingOn, lease_until = NULL, worker_id = NULL,
      stop_request = NULL, stopped_by = @stoppedBy, stop_reason = @stopReason
    WHERE id = @id AND status = 'running' AND attempt = @attempt`,
  /** A breaker closed: its waiting executions are due now (executions_waiting_on). */
  releaseWaiting: `UPDATE executions SET run_at = MIN(run_at, @now), waiting_on = NULL
    WHERE tenant = @tenant AND status = 'queued' AND waiting_on = @waitingOn`,
  heartbeat: `UPDATE executions SET lease_until = @leaseUntil
    WHERE id = @id AND status = 'running' AND attempt = @attempt AND worker_id = @workerId`,
  /** Requeues expired leases below the quarantine threshold (@maxExpiries), counting the expiry. */
  sweep: `UPDATE executions SET lease_until = NULL, worker_id = NULL, lease_expiries = lease_expiries + 1,
      -- a stop asked of the lost worker is done here instead (store/stops.ts)
      status = CASE stop_request WHEN 'cancel' THEN 'cancelled' WHEN 'pause' THEN 'paused' ELSE 'queued' END,
      reason = CASE stop_request WHEN 'cancel' THEN stop_reason ELSE reason END,
      finished_at = CASE stop_request WHEN 'cancel' THEN @now ELSE finished_at END, stop_request = NULL
    WHERE status = 'running' AND lease_until < @now AND lease_expiries + 1 < @maxExpiries`,
  /** Expired leases that reach the quarantine threshold with this expiry. */
  expiredAtThreshold: `SELECT * FROM executions
    WHERE status = 'running' AND lease_until < @now AND lease_expiries + 1 >= @maxExpiries ORDER BY lease_until, seq`,
  /** Dead-letters a poison pill: its lease ran out too often without a checkpoint. */
  quarantine: `UPDATE executions SET status = 'failed', reason = @reason, finished_at = @now,
      lease_until = NULL, worker_id = NULL, lease_expiries = lease_expiries + 1
    WHERE id = @id AND status = 'running' RETURNING *`,
  /** A checkpoint clears the count of leases that ran out (no write when it is already 0). */
  resetLeaseExpiries: `UPDATE executions SET lease_expiries = 0 WHERE id = @id AND lease_expiries > 0`,
  /** The oldest ready suspect (lease_expiries > 0) in a free lane: executions_suspects, tiny. */
  readySuspect: `SELECT e.* FROM executions e
    WHERE e.status = 'queued' AND e.lease_expiries > 0 AND e.run_at <= @now
      AND NOT EXISTS (SELECT 1 FROM executions r WHERE r.status = 'running' AND r.lane = e.lane)
    ORDER BY e.run_at, e.seq LIMIT 1`,
  /** The earliest run_at of any tenant: one index seek per tenant, as readyTenants. */
  nextRunAt: `WITH ${queuedTenants} SELECT MIN((SELECT MIN(run_at) FROM executions e WHERE e.status = 'queued' AND e.tenant = q.tenant)) AS at
    FROM queued_tenants q`,
  countByStatus: `SELECT status, COUNT(*) AS n FROM executions GROUP BY status`,
  countByStatusForTenant: `SELECT status, COUNT(*) AS n FROM executions WHERE tenant = @tenant GROUP BY status`,

  /**
   * Everything the loop guard reads for one write (@workflowIds: a JSON array). The first row
   * (workflow_id NULL) counts the root change's executions, stopped at @countUpTo (the largest
   * budget in play); then per workflow its newest non-skipped execution on the record: the last
   * entry of the partial index executions_last_run (skipped rows are not in it), one probe each.
   */
  loopGuardFacts: `SELECT NULL AS workflow_id, (SELECT COUNT(*) FROM (SELECT 1 FROM executions
        WHERE root_change_id = @rootChangeId AND tenant = @tenant LIMIT @countUpTo)) AS v
    UNION ALL
    SELECT w.value, (SELECT e.created_at FROM executions e
        WHERE e.tenant = @tenant AND e.workflow_id = w.value AND e.record_type = @recordType AND e.record_id = @recordId AND e.status != 'skipped'
        ORDER BY e.created_at DESC LIMIT 1)
      FROM json_each(@workflowIds) AS w`,
  /** Dead-letter replay: back to the queue; checkpointed steps stay done. */
  requeue: `UPDATE executions SET run_at = @now, reason = NULL, finished_at = NULL,
      -- a hold covering it holds it (store/stops.ts)
      status = CASE WHEN EXISTS (SELECT 1 FROM ${covering}) THEN 'paused' ELSE 'queued' END,
      stopped_by = (SELECT h.actor FROM ${covering} ORDER BY h.workflow_id = '*' LIMIT 1),
      stop_reason = (SELECT h.reason FROM ${covering} ORDER BY h.workflow_id = '*' LIMIT 1)
    WHERE tenant = @tenant AND id = @id AND status IN (SELECT value FROM json_each(@from)) RETURNING id`,
  cancel: `UPDATE executions SET status = 'cancelled', reason = @reason, finished_at = @now
    WHERE tenant = @tenant AND id = @id AND status IN (SELECT value FROM json_each(@from)) RETURNING id`,

  // alerts, effects, attempts, breakers ---------------------------------------------------------
  insertAlert: `INSERT INTO alerts (id, tenant, kind, severity, message, details, at) VALUES (@id, @tenant, @kind, @severity, @message, @details, @at)`,
  listAlerts: `SELECT * FROM alerts WHERE tenant = @tenant ORDER BY seq DESC LIMIT @limit`,
  getEffect: `SELECT * FROM effects WHERE tenant = @tenant AND key = @key`,
  saveEffect: `INSERT INTO effects (tenant, key, execution_id, step_id, action, result, at)
    VALUES (@tenant, @key, @executionId, @stepId, @action, @result, @at) ON CONFLICT (tenant, key) DO NOTHING`,
  recordAttempt: `INSERT INTO attempts (execution_id, step_id, attempt, action, error, code, retryable, started_at, finished_at)
    VALUES (@executionId, @stepId, @attempt, @action, @error, @code, @retryable, @startedAt, @finishedAt)`,
  listAttempts: `SELECT * FROM attempts WHERE execution_id = @executionId ORDER BY seq`,
  getBreaker: `SELECT * FROM breakers WHERE tenant = @tenant AND key = @key`,
  putBreaker: `INSERT INTO breakers (tenant, key, state, updated_at) VALUES (@tenant, @key, @state, @updatedAt)
    ON CONFLICT (tenant, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  listBreakers: `SELECT * FROM breakers WHERE tenant = @tenant ORDER BY key`,

  // condition stats (measured cost and selectivity, added in batches) --------------------------
  listConditionStats: `SELECT * FROM condition_stats WHERE tenant = @tenant AND workflow_id = @workflowId ORDER BY condition_key`,
  addConditionStats: `INSERT INTO condition_stats (tenant, workflow_id, condition_key, runs, falses, total_ms, updated_at)
    VALUES (@tenant, @workflowId, @conditionKey, @runs, @falses, @totalMs, @now)
    ON CONFLICT (tenant, workflow_id, condition_key) DO UPDATE SET runs = runs + excluded.runs,
      falses = falses + excluded.falses, total_ms = total_ms + excluded.total_ms, updated_at = excluded.updated_at`,

  // steps -------------------------------------------------------------------------------------
  saveStep: `INSERT INTO steps (execution_id, step_id, attempt, status, output, error, started_at, finished_at)
    VALUES (@executionId, @stepId, @attempt, @status, @output, @error, @startedAt, @finishedAt)
    ON CONFLICT (execution_id, step_id) DO UPDATE SET attempt = excluded.attempt, status = excluded.status,
      output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at`,
  listSteps: `SELECT * FROM steps WHERE execution_id = @executionId ORDER BY started_at, rowid`,

  // batched context loads (loadExecutionContexts) ---------------------------------------------
  // @keys is a JSON array of key tuples, one statement whatever the batch size. CROSS JOIN keeps
  // json_each the outer loop, so each key is one primary-key (or unique-index) probe.
  /** @keys [[tenant, changeId], ...] */
  contextChanges: `SELECT c.* FROM json_each(@keys) AS k CROSS JOIN changes c
    WHERE c.id = json_extract(k.value, '$[1]') AND c.tenant = json_extract(k.value, '$[0]')`,
  /** @keys [[tenant, type, id], ...] */
  contextRecords: `SELECT r.* FROM json_each(@keys) AS k CROSS JOIN records r
    WHERE r.tenant = json_extract(k.value, '$[0]') AND r.type = json_extract(k.value, '$[1]') AND r.id = json_extract(k.value, '$[2]')`,
  /** @keys [[tenant, executionId], ...]: steps only of executions of that tenant, in listSteps order per execution. */
  contextSteps: `SELECT e.tenant AS context_tenant, s.* FROM json_each(@keys) AS k CROSS JOIN executions e CROSS JOIN steps s
    WHERE e.id = json_extract(k.value, '$[1]') AND e.tenant = json_extract(k.value, '$[0]') AND s.execution_id = e.id
    ORDER BY s.execution_id, s.started_at, s.rowid`,
  /** @keys [[tenant, executionId], ...]: failed attempts per (execution, step). */
  contextAttempts: `SELECT e.tenant AS context_tenant, a.execution_id, a.step_id, COUNT(*) AS failed
    FROM json_each(@keys) AS k CROSS JOIN executions e CROSS JOIN attempts a
    WHERE e.id = json_extract(k.value, '$[1]') AND e.tenant = json_extract(k.value, '$[0]') AND a.execution_id = e.id
    GROUP BY e.tenant, a.execution_id, a.step_id`,
} as const;
