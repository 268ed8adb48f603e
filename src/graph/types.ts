// The shapes of the dependency-graph report. Plain JSON data, so the CLI, the API and the
// dashboard can show the same report and tests can compare it.
import type { Json } from '../domain/types.js';

/** 'schedule' is fired by the clock only; 'date' by the clock, at a time a write to its anchor sets. */
export type TriggerOperation = 'created' | 'updated' | 'deleted' | 'field_changed' | 'schedule' | 'date';

/** What a workflow listens to and what its conditions look at. */
export interface WorkflowReads {
  object: string;
  operation: TriggerOperation;
  /** field_changed: its field; updated: its `fields` (empty when it fires on every update). */
  triggerFields: string[];
  from?: Json;
  to?: Json;
  /** field_changed with `on_create: false`: a create does not fire it. */
  updatesOnly?: true;
  /** Fields of `record` its conditions and step `when`s read. */
  conditionFields: string[];
  /** Fields of `previous` they read. */
  previousFields: string[];
}

/** One field a data step sets. */
export interface FieldWrite {
  field: string;
  /** The CEL source as written. */
  source: string;
  /**
   * Every value the expression can produce, when that is statically known (a literal, or a
   * ternary of literals). Absent: it may produce any value of the field's type.
   */
  values?: Json[];
}

/** One record write a data step (or one of its fallbacks) can make. */
export interface RecordWrite {
  kind: 'update' | 'create' | 'delete';
  object: string;
  /** The step id; fallbacks are named `step#fallback-N`. */
  step: string;
  fields: FieldWrite[];
}

export interface GraphNode {
  id: string;
  name: string;
  object: string;
  enabled: boolean;
  /** Declares a re-entry rule other than 'always', or `loop.allowCycle`. */
  guarded: boolean;
  reads: WorkflowReads;
  writes: RecordWrite[];
}

/** Why one write of `from` can fire the trigger of `to`. */
export interface EdgeCause {
  step: string;
  /** The object and, for field-level causes, the field: "lead.owner" or "lead created". */
  via: string;
  reason: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Every cause joined with "; ", for one-line displays. */
  reason: string;
  causes: EdgeCause[];
}

/** A strongly connected component that can loop: more than one workflow, or a self-loop. */
export interface GraphCycle {
  /** Member workflow ids, sorted. */
  nodes: string[];
  /** One concrete closed walk through edges of the graph, first id repeated at the end. */
  path: string[];
  /** One reason per step of `path`. */
  reasons: string[];
  guarded: boolean;
  /** Members that guard the cycle (re-entry rule or allowCycle). */
  guardedBy: string[];
}

export interface GraphChain {
  /** Workflow ids in causal order; its depth is the number of workflows. */
  path: string[];
  depth: number;
}

export interface BroadTrigger {
  workflow: string;
  object: string;
  advice: string;
}

/** The workflows one change fires, in the order the runtime runs them (by id). */
export interface FiringGroup {
  object: string;
  operation: 'created' | 'updated' | 'deleted';
  /** For updates: the changed field; null for the whole-record group. */
  field: string | null;
  workflows: string[];
}

export interface GraphReport {
  nodes: GraphNode[];
  edges: GraphEdge[];
  cycles: GraphCycle[];
  maxChainDepth: number;
  chains: GraphChain[];
  /** True when chain search hit its caps, so `chains` may be incomplete. */
  chainsTruncated: boolean;
  broadTriggers: BroadTrigger[];
  firingOrder: FiringGroup[];
}

export interface AnalyzeOptions {
  /** Chains with more workflows than this are reported. Default 3. */
  maxChainDepth?: number;
  /** At most this many deep chains are reported. Default 50. */
  maxChains?: number;
}
