// The seam between CLI commands and what they talk to. Every command is written once against
// these interfaces; `local.ts` answers them from the engine on a store this process opens, and
// `remote.ts` from a running server over its HTTP API. Both return what the API answers (rows
// with ISO 8601 times, from server/present.ts), so a command prints the same thing either way.
import type { AttemptRow, ChangeRow, ExecutionRow, ExecutionStatus, Json, StepRow, WorkflowRow, WorkflowVersionRow } from '../../domain/types.js';
import type { Selection } from '../../services/dead-letters-service.js';
import type { RecordExplanation } from '../../services/explain.js';
import type { DeployResult } from '../../services/workflows-service.js';
import type { DefinitionFile } from '../definition-files.js';

/** A row as the API presents it: the named time fields (epoch ms inside) are ISO 8601 strings. */
export type Presented<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? string | null : string };

export interface RecordView {
  type: string;
  id: string;
  version: number;
  data: Record<string, Json>;
  createdAt: string;
  updatedAt: string;
}
export type ChangeView = Presented<ChangeRow, 'at'>;
export type WorkflowView = Presented<WorkflowRow, 'updatedAt'>;
export type WorkflowVersionView = Presented<WorkflowVersionRow, 'createdAt'>;
export type ExecutionView = Presented<ExecutionRow, 'runAt' | 'leaseUntil' | 'createdAt' | 'startedAt' | 'finishedAt'>;
export type StepView = Presented<StepRow, 'startedAt' | 'finishedAt'> & { durationMs: number };
export type ExecutionDetailView = ExecutionView & { steps: StepView[]; durationMs: number | null };
export type DeadLetterView = ExecutionView & { trigger: ChangeView | null; steps: Presented<StepRow, 'startedAt' | 'finishedAt'>[]; attempts: Presented<AttemptRow, 'startedAt' | 'finishedAt'>[] };

/** GET /v1/records/{type}'s query (services/record-search.ts): the server checks every part. */
export interface RecordQuery {
  /** A CEL filter over the record (`record.amount > 1000.0`). */
  where?: string;
  /** Field filters as query parameters: `stage` -> `Proposal`, `amount[gte]` -> `50000`. */
  fields?: Record<string, string>;
  /** A field, id, createdAt or updatedAt; `-` first for descending. */
  sort?: string;
  count?: boolean;
  limit?: number;
  after?: string;
}

export interface RecordPageView {
  items: RecordView[];
  next: string | null;
  count?: number;
  scanned?: number;
}

/**
 * The query parameters of a RecordQuery as the API's route hands them to the records service
 * (limit a number, count a boolean; filters as text). Sent over HTTP, each becomes its text.
 */
export function recordQueryParameters(query: RecordQuery): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = { ...query.fields };
  if (query.where !== undefined) params.where = query.where;
  if (query.sort !== undefined) params.sort = query.sort;
  if (query.count) params.count = true;
  if (query.limit !== undefined) params.limit = query.limit;
  if (query.after !== undefined) params.after = query.after;
  return params;
}

export interface RecordsClient {
  get(type: string, id: string): Promise<RecordView>;
  list(type: string, query: RecordQuery): Promise<RecordPageView>;
  create(type: string, data: Record<string, Json>, id?: string): Promise<RecordView>;
  /** Changes the given fields (null clears one); with `ifMatch`, only if the record is at that version. */
  update(type: string, id: string, data: Record<string, Json>, ifMatch?: number): Promise<RecordView>;
  history(type: string, id: string): Promise<ChangeView[]>;
  /** Per change (newest first): every workflow of the type and why it did or did not run. */
  explain(type: string, id: string, limit?: number): Promise<RecordExplanation>;
}

/** What pausing did (services/stops-service.ts HoldOutcome, as the API answers it). */
export interface PauseOutcome { held?: number; stopping?: number }
export interface ResumeOutcome { released?: boolean; resumed?: number }

export interface WorkflowsClient {
  list(): Promise<WorkflowView[]>;
  show(id: string): Promise<{ workflow: WorkflowView; versions: WorkflowVersionView[] }>;
  setEnabled(id: string, enabled: boolean): Promise<WorkflowView>;
  /** Holds its queued and waiting executions (and new ones) until resumed. */
  pause(id: string, reason?: string): Promise<PauseOutcome>;
  resume(id: string): Promise<ResumeOutcome>;
  /** Deploys the set, checked together first: any problem refuses all of it. */
  deploy(files: DefinitionFile[]): Promise<DeployResult[]>;
}

export interface ExecutionQuery {
  status?: ExecutionStatus;
  workflow?: string;
  recordType?: string;
  recordId?: string;
  limit?: number;
}

export interface ExecutionsClient {
  list(query: ExecutionQuery): Promise<ExecutionView[]>;
  show(id: string): Promise<ExecutionDetailView>;
}

export interface DeadLettersClient {
  list(query: { workflow?: string; limit?: number }): Promise<ExecutionView[]>;
  show(id: string): Promise<DeadLetterView>;
  replay(selection: Selection): Promise<string[]>;
  discard(selection: Selection): Promise<string[]>;
}

export interface SwitchyardClient {
  /** Where the answers come from, for messages: the store's backend or the server's URL. */
  readonly target: string;
  readonly records: RecordsClient;
  readonly workflows: WorkflowsClient;
  readonly executions: ExecutionsClient;
  readonly deadLetters: DeadLettersClient;
}
