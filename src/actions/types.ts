// The action contract. A data action plans record writes, which the step runner commits in the
// same transaction as the step's checkpoint (exactly once). An external action reaches outside
// through a connector and carries an idempotency key (execution id + step id).
import type { TSchema } from '@sinclair/typebox';
import type { CelContext, CelScope } from '../conditions/cel.js';
import type { StepDefinition } from '../domain/workflow.js';
import type { FieldProblem } from '../errors.js';
import type { Json, ObjectTypeSpec, RecordData } from '../domain/types.js';

export interface ActionCompileContext {
  types: Map<string, ObjectTypeSpec>;
  /** The trigger object's type and CEL scope: step expressions see the triggering record. */
  objectType: ObjectTypeSpec;
  scope: CelScope;
  /** JSON pointer of this step in the definition, for problems. */
  path: string;
}

/** A record write planned by a data step. */
export type DataWrite =
  | { kind: 'update'; type: string; id: string; patch: Record<string, Json> }
  | { kind: 'create'; type: string; id?: string; data: RecordData }
  | { kind: 'delete'; type: string; id: string };

/** What a step sees when it runs. */
export interface StepContext {
  tenant: string;
  executionId: string;
  stepId: string;
  /** Deterministic: execution id + step id, the same on every retry and replay. */
  idempotencyKey: string;
  recordType: string;
  recordId: string;
  cel: CelContext;
  signal: AbortSignal;
  /** The tenant's configured connectors, by name, with secrets resolved. */
  connector(name: string): ResolvedConnector;
}

/** A connector as configured for one tenant; secrets are resolved and must never be logged. */
export interface ResolvedConnector {
  name: string;
  type: string;
  settings: Record<string, Json>;
  secrets: Record<string, string>;
}

export interface DataAction<C = unknown> {
  kind: 'data';
  type: string;
  params: Record<string, TSchema>;
  description: string;
  compile(step: StepDefinition, ctx: ActionCompileContext): { problems: FieldProblem[]; compiled?: C };
  plan(compiled: C, ctx: StepContext): DataWrite[];
}

export interface ExternalAction<C = unknown> {
  kind: 'external';
  type: string;
  /**
   * The connector type it speaks (smtp, slack, ...): the one statement of it, read at run time by
   * useConnector and at deploy by the reference check, so the two cannot disagree.
   */
  connectorType: string;
  params: Record<string, TSchema>;
  description: string;
  compile(step: StepDefinition, ctx: ActionCompileContext): { problems: FieldProblem[]; compiled?: C };
  run(compiled: C, ctx: StepContext): Promise<Json>;
}

export type ActionSpec = DataAction | ExternalAction;
