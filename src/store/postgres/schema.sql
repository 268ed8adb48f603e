TABLE alerts
  seq bigint NOT NULL
  id text COLLATE C NOT NULL
  tenant text COLLATE C NOT NULL
  kind text NOT NULL
  severity text NOT NULL
  message text NOT NULL
  details jsonb NOT NULL
  at bigint NOT NULL
TABLE attempts
  seq bigint NOT NULL
  execution_id text COLLATE C NOT NULL
  step_id text COLLATE C NOT NULL
  attempt integer NOT NULL
  action text NOT NULL
  error text NOT NULL
  code text NOT NULL
  retryable boolean NOT NULL
  started_at bigint NOT NULL
  finished_at bigint NOT NULL
TABLE breakers
  tenant text COLLATE C NOT NULL
  key text COLLATE C NOT NULL
  state jsonb NOT NULL
  updated_at bigint NOT NULL
TABLE catalog
  tenant text COLLATE C NOT NULL
  revision bigint NOT NULL
TABLE changes
  seq bigint NOT NULL
  id text COLLATE C NOT NULL
  tenant text COLLATE C NOT NULL
  type text COLLATE C NOT NULL
  record_id text COLLATE C NOT NULL
  operation text NOT NULL
  before jsonb
  after jsonb
  changed_fields jsonb NOT NULL
  version_before integer
  version_after integer
  actor jsonb NOT NULL
  cause jsonb NOT NULL
  root_change_id text NOT NULL
  depth integer NOT NULL
  at bigint NOT NULL
TABLE condition_stats
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  condition_key text COLLATE C NOT NULL
  runs bigint NOT NULL
  falses bigint NOT NULL
  total_ms double precision NOT NULL
  updated_at bigint NOT NULL
TABLE effects
  tenant text COLLATE C NOT NULL
  key text COLLATE C NOT NULL
  execution_id text COLLATE C NOT NULL
  step_id text COLLATE C NOT NULL
  action text NOT NULL
  result jsonb NOT NULL
  at bigint NOT NULL
TABLE executions
  seq bigint NOT NULL
  id text COLLATE C NOT NULL
  tenant text COLLATE C NOT NULL
  kind text NOT NULL
  workflow_id text COLLATE C NOT NULL
  version integer NOT NULL
  trigger_key text COLLATE C NOT NULL
  step_id text COLLATE C NOT NULL
  parent_id text
  record_type text COLLATE C NOT NULL
  record_id text COLLATE C NOT NULL
  lane text COLLATE C NOT NULL
  status text NOT NULL
  attempt integer NOT NULL DEFAULT 0
  run_at bigint NOT NULL
  lease_until bigint
  worker_id text
  root_change_id text NOT NULL
  depth integer NOT NULL
  reason text
  input jsonb NOT NULL
  created_at bigint NOT NULL
  started_at bigint
  finished_at bigint
  lease_expiries integer NOT NULL DEFAULT 0
  waiting_on text COLLATE C
  occurrence_kind text COLLATE C NOT NULL DEFAULT 'record_change'::text
  stop_request text
  stopped_by text
  stop_reason text
TABLE holds
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  actor text NOT NULL
  reason text NOT NULL
  at bigint NOT NULL
TABLE lanes
  tenant text COLLATE C NOT NULL
  lane text COLLATE C NOT NULL
  running_id text COLLATE C
  ready_at bigint
TABLE object_type_versions
  tenant text COLLATE C NOT NULL
  type text COLLATE C NOT NULL
  version integer NOT NULL
  definition jsonb NOT NULL
  hash text NOT NULL
  created_by text NOT NULL
  created_at bigint NOT NULL
TABLE records
  tenant text COLLATE C NOT NULL
  type text COLLATE C NOT NULL
  id text COLLATE C NOT NULL
  version integer NOT NULL
  data jsonb NOT NULL
  created_at bigint NOT NULL
  updated_at bigint NOT NULL
TABLE schedules
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  version integer NOT NULL
  status text COLLATE C NOT NULL
  next_fire_at bigint NOT NULL
  last_fire_at bigint
  fanout_fire_at bigint
  fanout_after text COLLATE C
  updated_at bigint NOT NULL
TABLE schema_migrations
  version integer NOT NULL
  name text NOT NULL
  applied_at timestamp with time zone NOT NULL DEFAULT now()
TABLE skipped_fires
  seq bigint NOT NULL
  tenant text COLLATE C NOT NULL
  key text COLLATE C NOT NULL
  kind text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  version integer NOT NULL
  record_type text COLLATE C NOT NULL
  record_id text COLLATE C NOT NULL
  due_at bigint NOT NULL
  reason text NOT NULL
  recorded_at bigint NOT NULL
TABLE steps
  seq bigint NOT NULL
  execution_id text COLLATE C NOT NULL
  step_id text COLLATE C NOT NULL
  attempt integer NOT NULL
  status text NOT NULL
  output jsonb NOT NULL
  error text
  started_at bigint NOT NULL
  finished_at bigint NOT NULL
TABLE timers
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  version integer NOT NULL
  record_type text COLLATE C NOT NULL
  record_id text COLLATE C NOT NULL
  due_at bigint NOT NULL
  anchor text NOT NULL
  status text COLLATE C NOT NULL
  reason text
  updated_at bigint NOT NULL
TABLE workflow_versions
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  version integer NOT NULL
  definition jsonb NOT NULL
  hash text NOT NULL
  created_at bigint NOT NULL
TABLE workflows
  tenant text COLLATE C NOT NULL
  workflow_id text COLLATE C NOT NULL
  enabled boolean NOT NULL
  latest_version integer NOT NULL
  active_version integer NOT NULL
  updated_at bigint NOT NULL
CREATE INDEX alerts_by_tenant ON alerts USING btree (tenant, seq);
CREATE UNIQUE INDEX alerts_id_key ON alerts USING btree (id);
CREATE UNIQUE INDEX alerts_pkey ON alerts USING btree (seq);
CREATE INDEX attempts_by_execution ON attempts USING btree (execution_id, seq);
CREATE UNIQUE INDEX attempts_pkey ON attempts USING btree (seq);
CREATE UNIQUE INDEX breakers_pkey ON breakers USING btree (tenant, key);
CREATE UNIQUE INDEX catalog_pkey ON catalog USING btree (tenant);
CREATE INDEX changes_by_record ON changes USING btree (tenant, type, record_id, seq);
CREATE UNIQUE INDEX changes_id_key ON changes USING btree (id);
CREATE UNIQUE INDEX changes_pkey ON changes USING btree (seq);
CREATE UNIQUE INDEX condition_stats_pkey ON condition_stats USING btree (tenant, workflow_id, condition_key);
CREATE UNIQUE INDEX effects_pkey ON effects USING btree (tenant, key);
CREATE INDEX executions_by_record ON executions USING btree (tenant, record_type, record_id, seq);
CREATE INDEX executions_by_status ON executions USING btree (tenant, status, seq) WHERE (status <> 'queued'::text);
CREATE INDEX executions_by_tenant ON executions USING btree (tenant, seq);
CREATE INDEX executions_by_tenant_root ON executions USING btree (tenant, root_change_id);
CREATE UNIQUE INDEX executions_dedup ON executions USING btree (tenant, workflow_id, version, trigger_key, step_id);
CREATE INDEX executions_lane_queue ON executions USING btree (tenant, lane, run_at, seq) WHERE (status = 'queued'::text);
CREATE INDEX executions_last_run ON executions USING btree (tenant, workflow_id, record_type, record_id, created_at) WHERE (status <> 'skipped'::text);
CREATE UNIQUE INDEX executions_one_running_per_lane ON executions USING btree (tenant, lane) WHERE (status = 'running'::text);
CREATE INDEX executions_paused ON executions USING btree (tenant, workflow_id, seq) WHERE (status = 'paused'::text);
CREATE UNIQUE INDEX executions_pkey ON executions USING btree (id);
CREATE INDEX executions_queued_run_at ON executions USING btree (run_at) WHERE (status = 'queued'::text);
CREATE INDEX executions_running_lease ON executions USING btree (lease_until) WHERE (status = 'running'::text);
CREATE UNIQUE INDEX executions_seq_key ON executions USING btree (seq);
CREATE INDEX executions_suspects ON executions USING btree (run_at, seq) WHERE ((status = 'queued'::text) AND (lease_expiries > 0));
CREATE INDEX executions_waiting_on ON executions USING btree (tenant, waiting_on) WHERE ((status = 'queued'::text) AND (waiting_on IS NOT NULL));
CREATE UNIQUE INDEX holds_pkey ON holds USING btree (tenant, workflow_id);
CREATE UNIQUE INDEX lanes_pkey ON lanes USING btree (tenant, lane);
CREATE INDEX lanes_ready ON lanes USING btree (ready_at) WHERE ((running_id IS NULL) AND (ready_at IS NOT NULL));
CREATE INDEX lanes_ready_by_tenant ON lanes USING btree (tenant, ready_at) WHERE ((running_id IS NULL) AND (ready_at IS NOT NULL));
CREATE UNIQUE INDEX object_type_versions_pkey ON object_type_versions USING btree (tenant, type, version);
CREATE UNIQUE INDEX records_pkey ON records USING btree (tenant, type, id);
CREATE INDEX schedules_due ON schedules USING btree (next_fire_at) WHERE ((status = 'active'::text) AND (fanout_fire_at IS NULL));
CREATE INDEX schedules_fanning_out ON schedules USING btree (tenant, workflow_id) WHERE (fanout_fire_at IS NOT NULL);
CREATE UNIQUE INDEX schedules_pkey ON schedules USING btree (tenant, workflow_id);
CREATE UNIQUE INDEX schema_migrations_pkey ON schema_migrations USING btree (version);
CREATE INDEX skipped_fires_by_tenant ON skipped_fires USING btree (tenant, seq);
CREATE UNIQUE INDEX skipped_fires_key ON skipped_fires USING btree (tenant, key);
CREATE UNIQUE INDEX skipped_fires_pkey ON skipped_fires USING btree (seq);
CREATE UNIQUE INDEX steps_pkey ON steps USING btree (execution_id, step_id);
CREATE INDEX timers_by_record ON timers USING btree (tenant, record_type, record_id);
CREATE INDEX timers_due ON timers USING btree (due_at) WHERE (status = 'scheduled'::text);
CREATE UNIQUE INDEX timers_pkey ON timers USING btree (tenant, workflow_id, version, record_type, record_id);
CREATE UNIQUE INDEX workflow_versions_pkey ON workflow_versions USING btree (tenant, workflow_id, version);
CREATE UNIQUE INDEX workflows_pkey ON workflows USING btree (tenant, workflow_id);
