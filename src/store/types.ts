// Store-only shapes: how callers ask the store port for rows. The rows themselves are domain
// types (src/domain/types.ts), shared by every layer.
import type { ExecutionStatus } from '../domain/types.js';

export interface ExecutionFilter {
  tenant: string;
  status?: ExecutionStatus;
  workflowId?: string;
  recordType?: string;
  recordId?: string;
  rootChangeId?: string;
  limit?: number;
  /** Only executions created before this one (by creation order), for paging. */
  before?: string;
}

export interface ClaimOptions {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
  /**
   * Suspects (leaseExpiries > 0) may have crashed their last worker, so each runs alone: then a
   * crash while it runs charges only the suspect, never an innocent neighbour.
   * - false (default): the caller runs nothing else. When a suspect is ready, the claim returns
   *   that one alone (the oldest); otherwise a batch that holds no suspect.
   * - true: the caller still runs other executions: the claim skips suspects. (A worker whose
   *   sweep requeued suspects stops claiming until it drained, then takes them one by one.)
   */
  busy?: boolean;
}

/** Measured cost and selectivity of one condition of a workflow (conditions/ordering.ts), or a delta to add to it. */
export interface ConditionStatsRow {
  tenant: string;
  workflowId: string;
  /** The compiled condition's statsKey: derived from what it evaluates. */
  conditionKey: string;
  runs: number;
  falses: number;
  totalMs: number;
}
