// Numbered, append-only migrations. Never edit a released one: add the next number.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE records (
  tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  version INTEGER NOT NULL, data TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, type, id)
);
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL, type TEXT NOT NULL, record_id TEXT NOT NULL,
  operation TEXT NOT NULL, before TEXT, after TEXT, changed_fields TEXT NOT NULL,
  version_before INTEGER, version_after INTEGER,
  actor TEXT NOT NULL, cause TEXT NOT NULL, root_change_id TEXT NOT NULL, depth INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX changes_by_record ON changes (tenant, type, record_id, seq);
CREATE TABLE catalog (tenant TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE workflows (
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, enabled INTEGER NOT NULL,
  latest_version INTEGER NOT NULL, active_version INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);
CREATE TABLE workflow_versions (
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, version INTEGER NOT NULL,
  definition TEXT NOT NULL, hash TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, workflow_id, version)
);
CREATE TABLE executions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL, kind TEXT NOT NULL,
  workflow_id TEXT NOT NULL, version INTEGER NOT NULL, trigger_key TEXT NOT NULL, step_id TEXT NOT NULL,
  parent_id TEXT, record_type TEXT NOT NULL, record_id TEXT NOT NULL, lane TEXT NOT NULL,
  status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, run_at INTEGER NOT NULL,
  lease_until INTEGER, worker_id TEXT,
  root_change_id TEXT NOT NULL, depth INTEGER NOT NULL, reason TEXT, input TEXT NOT NULL,
  created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  UNIQUE (tenant, workflow_id, version, trigger_key, step_id)
);
CREATE INDEX executions_ready ON executions (tenant, run_at, seq) WHERE status = 'queued';
CREATE INDEX executions_running_lane ON executions (lane) WHERE status = 'running';
CREATE INDEX executions_running_lease ON executions (lease_until) WHERE status = 'running';
CREATE INDEX executions_by_tenant ON executions (tenant, seq);
CREATE INDEX executions_by_record ON executions (tenant, record_type, record_id, seq);
CREATE INDEX executions_by_root ON executions (root_change_id);
CREATE TABLE steps (
  execution_id TEXT NOT NULL, step_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  status TEXT NOT NULL, output TEXT NOT NULL, error TEXT,
  started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
  PRIMARY KEY (execution_id, step_id)
);
`,
  },
  {
    version: 2,
    name: 'guards-failures-alerts',
    sql: `
CREATE INDEX executions_by_workflow_record ON executions (tenant, workflow_id, record_type, record_id, created_at);
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL, kind TEXT NOT NULL,
  severity TEXT NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL, at INTEGER NOT NULL
);
CREATE INDEX alerts_by_tenant ON alerts (tenant, seq);
CREATE TABLE effects (
  tenant TEXT NOT NULL, key TEXT NOT NULL, execution_id TEXT NOT NULL, step_id TEXT NOT NULL,
  action TEXT NOT NULL, result TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
);
CREATE TABLE attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, step_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  action TEXT NOT NULL, error TEXT NOT NULL, code TEXT NOT NULL, retryable INTEGER NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL
);
CREATE INDEX attempts_by_execution ON attempts (execution_id, seq);
CREATE TABLE breakers (
  tenant TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL,
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
ALTER TABLE executions ADD COLUMN lease_expiries INTEGER NOT NULL DEFAULT 0;
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
CREATE INDEX executions_last_run ON executions (tenant, workflow_id, record_type, record_id, created_at) WHERE status != 'skipped';
`,
  },
  {
    version: 5,
    name: 'executions-waiting-on',
    // The circuit breaker a queued execution waits on: when it closes, they are made due at once.
    sql: `
ALTER TABLE executions ADD COLUMN waiting_on TEXT;
CREATE INDEX executions_waiting_on ON executions (tenant, waiting_on) WHERE status = 'queued' AND waiting_on IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'executions-occurrence-kind',
    // Which kind of occurrence started an execution (triggers/occurrence.ts); trigger_key is that
    // occurrence's key. Every execution before this migration was started by a record change.
    sql: `
ALTER TABLE executions ADD COLUMN occurrence_kind TEXT NOT NULL DEFAULT 'record_change';
`,
  },
  {
    version: 7,
    name: 'holds-and-stops',
    // Pause, emergency stop and cancel (src/store/stops.ts). A hold (a paused workflow, or '*': the
    // whole tenant) moves its queued executions to status 'paused', which no claim reads, so a held
    // execution neither runs nor blocks its lane. A running execution cannot be moved under its
    // worker: stop_request asks that worker to pause or cancel it at its next commit (fenced).
    // stopped_by and stop_reason say who held or cancelled an execution, and why.
    sql: `
CREATE TABLE holds (
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);
ALTER TABLE executions ADD COLUMN stop_request TEXT;
ALTER TABLE executions ADD COLUMN stopped_by TEXT;
ALTER TABLE executions ADD COLUMN stop_reason TEXT;
CREATE INDEX executions_paused ON executions (tenant, workflow_id, seq) WHERE status = 'paused';
`,
  },
  {
    version: 8,
    name: 'time-triggers',
    // Schedules (one row per workflow with an on: schedule trigger), relative-date timers (one per
    // workflow version and record, moved by writes to the anchor) and the fires that did not run.
    // Due work is found through partial indexes on what is still to do.
    sql: `
CREATE TABLE schedules (
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
  next_fire_at INTEGER NOT NULL, last_fire_at INTEGER, fanout_fire_at INTEGER, fanout_after TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, workflow_id)
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE status = 'active' AND fanout_fire_at IS NULL;
CREATE INDEX schedules_fanning_out ON schedules (tenant, workflow_id) WHERE fanout_fire_at IS NOT NULL;
CREATE TABLE timers (
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, version INTEGER NOT NULL,
  record_type TEXT NOT NULL, record_id TEXT NOT NULL, due_at INTEGER NOT NULL, anchor TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT, updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, workflow_id, version, record_type, record_id)
);
CREATE INDEX timers_due ON timers (due_at) WHERE status = 'scheduled';
CREATE INDEX timers_by_record ON timers (tenant, record_type, record_id);
CREATE TABLE skipped_fires (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL,
  workflow_id TEXT NOT NULL, version INTEGER NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
  due_at INTEGER NOT NULL, reason TEXT NOT NULL, recorded_at INTEGER NOT NULL,
  UNIQUE (tenant, key)
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
  tenant TEXT NOT NULL, workflow_id TEXT NOT NULL, condition_key TEXT NOT NULL,
  runs INTEGER NOT NULL, falses INTEGER NOT NULL, total_ms REAL NOT NULL, updated_at INTEGER NOT NULL,
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
  tenant TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL,
  definition TEXT NOT NULL, hash TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, type, version)
);
`,
  },
  {
    version: 11,
    name: 'fewer-execution-indexes',
    // executions_by_workflow_record duplicated executions_last_run for the loop guard (which reads
    // only non-skipped executions) and a listing by workflow and record uses executions_by_record:
    // one index fewer to write per new execution. (executions_by_root stays: the root count's index here.)
    sql: `
DROP INDEX executions_by_workflow_record;
`,
  },
  {
    version: 12,
    name: 'executions-clustered-by-occurrence',
    // The two workflow-keyed indexes of executions put the executions of one write far apart: at 50
    // matching workflows each new execution landed on its own leaf page of the dedup key (tenant,
    // workflow_id, ...) and of executions_last_run, so one commit wrote up to 100 more pages to the
    // WAL (measured: 2.6-3.1 ms per write with 50 workflows, 1.15-1.25 ms with the orders below).
    // The same columns, occurrence first (trigger_key is time-ordered) and record first, keep one
    // write's executions together. The dedup key is a table constraint, so the table is rebuilt
    // (SQLite cannot drop an index it made for a UNIQUE clause); the columns keep their order, and
    // the indexes are made again in the order they were first made: without statistics the planner
    // breaks ties between equally good indexes by that order (the root count must pick by_root).
    sql: `
CREATE TABLE executions_rebuilt (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL, kind TEXT NOT NULL,
  workflow_id TEXT NOT NULL, version INTEGER NOT NULL, trigger_key TEXT NOT NULL, step_id TEXT NOT NULL,
  parent_id TEXT, record_type TEXT NOT NULL, record_id TEXT NOT NULL, lane TEXT NOT NULL,
  status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, run_at INTEGER NOT NULL,
  lease_until INTEGER, worker_id TEXT,
  root_change_id TEXT NOT NULL, depth INTEGER NOT NULL, reason TEXT, input TEXT NOT NULL,
  created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  lease_expiries INTEGER NOT NULL DEFAULT 0, waiting_on TEXT, occurrence_kind TEXT NOT NULL DEFAULT 'record_change',
  stop_request TEXT, stopped_by TEXT, stop_reason TEXT,
  UNIQUE (tenant, trigger_key, workflow_id, version, step_id)
);
INSERT INTO executions_rebuilt SELECT * FROM executions;
-- AUTOINCREMENT's high-water mark carries over too (no seq is ever handed out twice).
DELETE FROM sqlite_sequence WHERE name = 'executions_rebuilt';
INSERT INTO sqlite_sequence (name, seq) SELECT 'executions_rebuilt', seq FROM sqlite_sequence WHERE name = 'executions';
DROP TABLE executions;
ALTER TABLE executions_rebuilt RENAME TO executions;
CREATE INDEX executions_ready ON executions (tenant, run_at, seq) WHERE status = 'queued';
CREATE INDEX executions_running_lane ON executions (lane) WHERE status = 'running';
CREATE INDEX executions_running_lease ON executions (lease_until) WHERE status = 'running';
CREATE INDEX executions_by_tenant ON executions (tenant, seq);
CREATE INDEX executions_by_record ON executions (tenant, record_type, record_id, seq);
CREATE INDEX executions_by_root ON executions (root_change_id);
CREATE INDEX executions_suspects ON executions (run_at, seq) WHERE status = 'queued' AND lease_expiries > 0;
CREATE INDEX executions_last_run ON executions (tenant, record_type, record_id, workflow_id, created_at) WHERE status != 'skipped';
CREATE INDEX executions_waiting_on ON executions (tenant, waiting_on) WHERE status = 'queued' AND waiting_on IS NOT NULL;
CREATE INDEX executions_paused ON executions (tenant, workflow_id, seq) WHERE status = 'paused';
`,
  },
];
