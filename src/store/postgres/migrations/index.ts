// Numbered, append-only migrations. Never edit a released one: add the next number.
// Unqualified names: every connection's search_path is the store's schema.
// Times are epoch ms from the injected clock (bigint); ids and keys use COLLATE "C" so that
// ordering and paging match SQLite's binary order.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE records (
  tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
  version integer NOT NULL, data jsonb NOT NULL,
  created_at bigint NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, type, id)
);

CREATE TABLE changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, record_id text COLLATE "C" NOT NULL,
  operation text NOT NULL, before jsonb, after jsonb, changed_fields jsonb NOT NULL,
  version_before integer, version_after integer,
  actor jsonb NOT NULL, cause jsonb NOT NULL, root_change_id text NOT NULL, depth integer NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX changes_by_record ON changes (tenant, type, record_id, seq);

CREATE TABLE catalog (tenant text COLLATE "C" PRIMARY KEY, revision bigint NOT NULL);

CREATE TABLE workflows (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL, enabled boolean NOT NULL,
  latest_version integer NOT NULL, active_version integer NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);

CREATE TABLE workflow_versions (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL, version integer NOT NULL,
  definition jsonb NOT NULL, hash text NOT NULL, created_at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id, version)
);

CREATE TABLE executions (
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text COLLATE "C" PRIMARY KEY,
  tenant text COLLATE "C" NOT NULL, kind text NOT NULL,
  workflow_id text COLLATE "C" NOT NULL, version integer NOT NULL,
  trigger_key text COLLATE "C" NOT NULL, step_id text COLLATE "C" NOT NULL, parent_id text,
  record_type text COLLATE "C" NOT NULL, record_id text COLLATE "C" NOT NULL, lane text COLLATE "C" NOT NULL,
  status text NOT NULL, attempt integer NOT NULL DEFAULT 0, run_at bigint NOT NULL,
  lease_until bigint, worker_id text,
  root_change_id text NOT NULL, depth integer NOT NULL, reason text, input jsonb NOT NULL,
  created_at bigint NOT NULL, started_at bigint, finished_at bigint,
  CONSTRAINT executions_dedup UNIQUE (tenant, workflow_id, version, trigger_key, step_id)
);
-- The head of each lane's queue (FIFO: run_at, then insertion order).
CREATE INDEX executions_lane_queue ON executions (tenant, lane, run_at, seq) WHERE status = 'queued';
-- Invariant 4 as a constraint: a bug in the claim fails loudly instead of running a lane twice.
CREATE UNIQUE INDEX executions_one_running_per_lane ON executions (tenant, lane) WHERE status = 'running';
CREATE INDEX executions_running_lease ON executions (lease_until) WHERE status = 'running';
CREATE INDEX executions_queued_run_at ON executions (run_at) WHERE status = 'queued';
CREATE INDEX executions_by_tenant ON executions (tenant, seq);
CREATE INDEX executions_by_status ON executions (tenant, status, seq);
CREATE INDEX executions_by_record ON executions (tenant, record_type, record_id, seq);
CREATE INDEX executions_by_root ON executions (root_change_id);

-- One row per live lane (something queued or running; emptied lanes are deleted). The claim walks
-- lanes, not executions, and locks the lane row (FOR UPDATE SKIP LOCKED) before it looks for the
-- lane's head: see ARCHITECTURE.md.
--   running_id: the execution running in the lane, NULL when none (set by claim, cleared by
--               finish, sweep, requeue and cancel, always in the transaction that moves that execution).
--   ready_at:   a lower bound of the run_at of the lane's queued executions, NULL only when none is
--               queued. Lowered by inserts and requeues; set exactly under the lane lock when the
--               lane is released or a claim finds it has no ready head.
CREATE TABLE lanes (
  tenant text COLLATE "C" NOT NULL, lane text COLLATE "C" NOT NULL,
  running_id text COLLATE "C",
  ready_at bigint,
  PRIMARY KEY (tenant, lane)
);
CREATE INDEX lanes_ready_by_tenant ON lanes (tenant, ready_at) WHERE running_id IS NULL AND ready_at IS NOT NULL;
CREATE INDEX lanes_ready ON lanes (ready_at) WHERE running_id IS NULL AND ready_at IS NOT NULL;

CREATE TABLE steps (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  execution_id text COLLATE "C" NOT NULL, step_id text COLLATE "C" NOT NULL, attempt integer NOT NULL,
  status text NOT NULL, output jsonb NOT NULL, error text,
  started_at bigint NOT NULL, finished_at bigint NOT NULL,
  PRIMARY KEY (execution_id, step_id)
);
`,
  },
  {
    version: 2,
    name: 'guards-failures-alerts',
    sql: `
CREATE INDEX executions_by_workflow_record ON executions (tenant, workflow_id, record_type, record_id, created_at);
CREATE INDEX executions_by_tenant_root ON executions (tenant, root_change_id);

CREATE TABLE alerts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE, tenant text COLLATE "C" NOT NULL, kind text NOT NULL,
  severity text NOT NULL, message text NOT NULL, details jsonb NOT NULL, at bigint NOT NULL
);
CREATE INDEX alerts_by_tenant ON alerts (tenant, seq);

CREATE TABLE effects (
  tenant text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
  execution_id text COLLATE "C" NOT NULL, step_id text COLLATE "C" NOT NULL,
  action text NOT NULL, result jsonb NOT NULL, at bigint NOT NULL,
  PRIMARY KEY (tenant, key)
);

CREATE TABLE attempts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id text COLLATE "C" NOT NULL, step_id text COLLATE "C" NOT NULL, attempt integer NOT NULL,
  action text NOT NULL, error text NOT NULL, code text NOT NULL, retryable boolean NOT NULL,
  started_at bigint NOT NULL, finished_at bigint NOT NULL
);
CREATE INDEX attempts_by_execution ON attempts (execution_id, seq);

CREATE TABLE breakers (
  tenant text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, state jsonb NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, key)
);
`,
  },
  {
    version: 3,
    name: 'lease-expiries',
    // Poison-pill containment: leases that ran out since the last checkpoint. Suspects (> 0) are
    // few, so the claim finds the oldest ready one through a small partial index.
    sql: `
ALTER TABLE executions ADD COLUMN lease_expiries integer NOT NULL DEFAULT 0;
CREATE INDEX executions_suspects ON executions (run_at, seq) WHERE status = 'queued' AND lease_expiries > 0;
`,
  },
  {
    version: 4,
    name: 'loop-guard-last-run',
    // The re-entry guard asks when a workflow last ran for a record, skipped executions not
    // counted. Skipped rows are left out of this index, so the answer is its last entry for
    // (tenant, workflow, record): one probe, however many executions the record has.
    sql: `
CREATE INDEX executions_last_run ON executions (tenant, workflow_id, record_type, record_id, created_at) WHERE status <> 'skipped';
`,
  },
  {
    version: 5,
    name: 'executions-waiting-on',
    // The circuit breaker a queued execution waits on: when it closes, they are made due at once.
    sql: `
ALTER TABLE executions ADD COLUMN waiting_on text COLLATE "C";
CREATE INDEX executions_waiting_on ON executions (tenant, waiting_on) WHERE status = 'queued' AND waiting_on IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'executions-occurrence-kind',
    // Which kind of occurrence started an execution (triggers/occurrence.ts); trigger_key is that
    // occurrence's key. Every execution before this migration was started by a record change.
    sql: `
ALTER TABLE executions ADD COLUMN occurrence_kind text COLLATE "C" NOT NULL DEFAULT 'record_change';
`,
  },
  {
    version: 7,
    name: 'holds-and-stops',
    // Pause, emergency stop and cancel (src/store/stops.ts). A hold (a paused workflow, or '*': the
    // whole tenant) moves its queued executions to status 'paused', which no claim reads and no lane
    // counts, so a held execution neither runs nor blocks its lane. A running execution cannot be
    // moved under its worker: stop_request asks that worker to pause or cancel it at its next
    // commit (fenced). stopped_by and stop_reason say who held or cancelled an execution, and why.
    sql: `
CREATE TABLE holds (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL,
  actor text NOT NULL, reason text NOT NULL, at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);
ALTER TABLE executions ADD COLUMN stop_request text;
ALTER TABLE executions ADD COLUMN stopped_by text;
ALTER TABLE executions ADD COLUMN stop_reason text;
CREATE INDEX executions_paused ON executions (tenant, workflow_id, seq) WHERE status = 'paused';
`,
  },
  {
    version: 8,
    name: 'time-triggers',
    // Schedules (one row per workflow with an on: schedule trigger), relative-date timers (one per
    // workflow version and record, moved by writes to the anchor) and the fires that did not run.
    // Due work is found through partial indexes on what is still to do, claimed FOR UPDATE SKIP LOCKED.
    sql: `
CREATE TABLE schedules (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL, version integer NOT NULL, status text COLLATE "C" NOT NULL,
  next_fire_at bigint NOT NULL, last_fire_at bigint, fanout_fire_at bigint, fanout_after text COLLATE "C",
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE status = 'active' AND fanout_fire_at IS NULL;
CREATE INDEX schedules_fanning_out ON schedules (tenant, workflow_id) WHERE fanout_fire_at IS NOT NULL;
CREATE TABLE timers (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL, version integer NOT NULL,
  record_type text COLLATE "C" NOT NULL, record_id text COLLATE "C" NOT NULL, due_at bigint NOT NULL, anchor text NOT NULL,
  status text COLLATE "C" NOT NULL, reason text, updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id, version, record_type, record_id)
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'scheduled';
CREATE INDEX timers_by_record ON timers (tenant, record_type, record_id);
CREATE TABLE skipped_fires (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, kind text COLLATE "C" NOT NULL,
  workflow_id text COLLATE "C" NOT NULL, version integer NOT NULL, record_type text COLLATE "C" NOT NULL, record_id text COLLATE "C" NOT NULL,
  due_at bigint NOT NULL, reason text NOT NULL, recorded_at bigint NOT NULL,
  CONSTRAINT skipped_fires_key UNIQUE (tenant, key)
);
CREATE INDEX skipped_fires_by_tenant ON skipped_fires (tenant, seq);
`,
  },
  {
    version: 9,
    name: 'condition-stats',
    // Measured cost and selectivity of each condition (CEL checks and lookups), per tenant and
    // workflow, keyed by what the condition evaluates: the ordering survives a restart and every
    // process ranks conditions on the same totals. Processes add their counts in batches.
    sql: `
CREATE TABLE condition_stats (
  tenant text COLLATE "C" NOT NULL, workflow_id text COLLATE "C" NOT NULL, condition_key text COLLATE "C" NOT NULL,
  runs bigint NOT NULL, falses bigint NOT NULL, total_ms double precision NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, workflow_id, condition_key)
);
`,
  },
  {
    version: 10,
    name: 'object-type-versions',
    // Object types defined through the API (PUT /v1/objects/{type}): immutable numbered versions
    // per tenant and type, on top of the configured ones. Storing one bumps the tenant's catalog
    // revision in the same transaction, so every process's next write sees it.
    sql: `
CREATE TABLE object_type_versions (
  tenant text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, version integer NOT NULL,
  definition jsonb NOT NULL, hash text NOT NULL, created_by text NOT NULL, created_at bigint NOT NULL,
  PRIMARY KEY (tenant, type, version)
);
`,
  },
  {
    version: 11,
    name: 'fewer-execution-indexes',
    // An execution's row is updated at least twice (claimed, finished) and none of those updates is
    // HOT (status is indexed), so each one adds an entry to every index of the table. Two indexes
    // duplicated others: executions_by_root (every query that names a root also names the tenant:
    // executions_by_tenant_root) and executions_by_workflow_record (the loop guard reads the partial
    // executions_last_run; a listing by workflow and record uses executions_by_record).
    sql: `
DROP INDEX executions_by_root;
DROP INDEX executions_by_workflow_record;
`,
  },
  {
    version: 12,
    name: 'by-status-without-queued',
    // executions_by_status no longer holds queued rows. Right after a burst of inserts, before
    // ANALYZE, the planner took the claim's head-of-lane probe (tenant, lane, status = 'queued')
    // through (tenant, status) and filtered every queued row of the tenant for each lane: 170 ms
    // per claim of 50 from a 20,000 backlog (bench "claim"). Without queued rows in it, the index
    // cannot serve that probe, and executions_lane_queue does. Listing queued executions reads
    // executions_lane_queue or executions_by_tenant; every other status still has this index.
    sql: `
DROP INDEX executions_by_status;
CREATE INDEX executions_by_status ON executions (tenant, status, seq) WHERE status <> 'queued';
`,
  },
];
