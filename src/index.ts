// The public library API. Every export is named; anything not here is internal.
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export { loadConfig, resolveConfig, type RawConfig, type ResolvedConfig, type WorkerSettings } from './config.js';
export { ManualClock, systemClock, parseDuration, type Clock } from './clock.js';
export { ERRORS, SwitchyardError, StaleLeaseError, isSwitchyardError, type ErrorCode, type FieldProblem } from './errors.js';
export { openStore } from './store/open.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.js';
export type { Store, StoreTx, StoreCapabilities } from './store/port.js';
export type { Actor, AlertRow, Cause, ChangeRow, ExecutionRow, ExecutionStatus, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from './domain/types.js';
export { type WorkflowDefinition, type StepDefinition, type Trigger } from './domain/workflow.js';
export { WorkflowSchema } from './definitions/schema.js';
export { defineWorkflow } from './definitions/define.js';
export { parseDefinitionText } from './definitions/validate.js';
export { analyzeWorkflows, formatReport, type GraphReport, type ReportFormat } from './graph/index.js';
export { buildServer, type ServerOptions } from './server/app.js';
export { NonRetryableError, RetryAfterError, RetryableError, type FailureCode } from './failures/action-failures.js';
export type { EngineEventMap } from './observability/events.js';
