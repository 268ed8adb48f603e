// Compiling a workflow's conditions: CEL checks, and lookups (an outside call through an `http`
// connector, then `when` over its answer). A lookup's request is compiled exactly as an
// http.request step's (same templates, same connector type, same deploy-time reference check), so
// at run time it goes through the same connector layer; its `when` sees `result`, the response body.
import { createHash } from 'node:crypto';
import { httpRequest, type CompiledHttpRequest } from '../actions/connectors/http-request.js';
import type { ExternalAction } from '../actions/types.js';
import { parseDuration } from '../clock.js';
import { CelScope, fieldsRead, type CelProgram } from '../conditions/cel.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import type { Condition, LookupCondition, WorkflowDefinition } from '../domain/workflow.js';
import type { FieldProblem } from '../errors.js';
import { resolveRetryPolicy, type RetryPolicy } from '../failures/retry-policy.js';
import { connectorProblems, type ConnectorCatalogue } from './references.js';

/** What a lookup condition calls, and how its failures are retried (as a step's). */
export interface CompiledLookup {
  /** `lookups.<name>` in later steps; its checkpoint is `lookup:<name>`. */
  name: string;
  connector: string;
  action: ExternalAction;
  request: CompiledHttpRequest;
  retry: RetryPolicy;
  /** Per attempt; default 30 s, as a step's. */
  timeoutMs: number;
}

export interface CompiledCondition {
  index: number;
  name: string;
  /** The CEL check; for a lookup, its `when` (evaluated with `result`). */
  program: CelProgram;
  /** Fields of `record` it reads (for re-entry rules and the dependency graph). */
  fieldsRead: string[];
  /**
   * Its identity for measured cost and selectivity (conditions/ordering.ts), persisted per tenant
   * and workflow: derived from what it evaluates, so a new version with the same condition keeps
   * its measurements, and a changed condition starts afresh.
   */
  statsKey: string;
  lookup?: CompiledLookup;
}

export interface ConditionCompileContext {
  types: Map<string, ObjectTypeSpec>;
  objectType: ObjectTypeSpec;
  /** The workflow's scope: record, previous, changed, now, steps. */
  scope: CelScope;
  tenant: string;
  connectors?: ConnectorCatalogue;
}

/** The checkpoint (step id) a lookup's answer is kept under: ':' cannot appear in a step id. */
export const LOOKUP_CHECKPOINT_PREFIX = 'lookup:';

export function lookupCheckpointId(name: string): string {
  return `${LOOKUP_CHECKPOINT_PREFIX}${name}`;
}

export function isLookup(condition: Condition): condition is LookupCondition {
  return typeof condition === 'object' && 'lookup' in condition;
}

/** The CEL sources a condition evaluates (for static analysis): a lookup's `when` and request templates. */
export function conditionExpressions(condition: Condition): string[] {
  if (typeof condition === 'string') return [condition];
  if (!isLookup(condition)) return [condition.expr];
  const request = condition.request;
  const templates = [request.path, request.url, ...Object.values(mapOf(request.headers)), ...Object.values(mapOf(request.body))];
  return [condition.when, ...templates.filter((t): t is string => typeof t === 'string')];
}

export function compileConditions(definition: WorkflowDefinition, ctx: ConditionCompileContext): { problems: FieldProblem[]; conditions: CompiledCondition[] } {
  const problems: FieldProblem[] = [];
  const conditions: CompiledCondition[] = [];
  let whenScope: CelScope | undefined; // built only for a workflow with lookups
  (definition.conditions ?? []).forEach((condition, index) => {
    if (isLookup(condition)) {
      whenScope ??= new CelScope(ctx.objectType, { result: 'dyn' });
      const compiled = compileLookup(condition, index, ctx, whenScope, problems);
      if (compiled) conditions.push(compiled);
      return;
    }
    const { name, expr } = typeof condition === 'string' ? { name: undefined, expr: condition } : condition;
    const path = typeof condition === 'string' ? `/conditions/${index}` : `/conditions/${index}/expr`;
    const program = boolProgram(ctx.scope, expr, path, problems);
    if (program) conditions.push({ index, name: name ?? expr, program, fieldsRead: fieldsRead(program.ast), statsKey: `cel:${digest(expr)}` });
  });
  const seen = new Set<string>();
  (definition.conditions ?? []).forEach((condition, index) => {
    if (!isLookup(condition)) return;
    if (seen.has(condition.lookup)) problems.push({ path: `/conditions/${index}/lookup`, message: `duplicate lookup name "${condition.lookup}"` });
    seen.add(condition.lookup);
  });
  return { problems, conditions };
}

function compileLookup(condition: LookupCondition, index: number, ctx: ConditionCompileContext, whenScope: CelScope, problems: FieldProblem[]): CompiledCondition | undefined {
  const at = `/conditions/${index}`;
  const before = problems.length;
  if (ctx.connectors) problems.push(...connectorProblems(httpRequest, condition.connector, ctx.connectors, ctx.tenant, at));
  // A lookup reads: GET unless it says otherwise (http.request's own default is POST).
  const step = { id: lookupCheckpointId(condition.lookup), type: httpRequest.type, connector: condition.connector, ...condition.request, method: condition.request.method ?? 'GET' };
  // Request templates see what a CEL condition sees: not `lookups`, which may not have run yet.
  const request = httpRequest.compile(step, { types: ctx.types, objectType: ctx.objectType, scope: ctx.scope, path: `${at}/request` });
  problems.push(...request.problems);
  const when = boolProgram(whenScope, condition.when, `${at}/when`, problems);
  if (problems.length > before || !when || !request.compiled) return undefined;
  const templates = [request.compiled.path, request.compiled.url, ...Object.values(request.compiled.headers), ...Object.values(request.compiled.body)];
  const reads = new Set([when, ...templates].flatMap((p) => (p ? fieldsRead(p.ast) : [])));
  return {
    index,
    name: condition.name ?? `lookup ${condition.lookup}: ${condition.when}`,
    program: when,
    fieldsRead: [...reads].sort(),
    statsKey: `lookup:${condition.lookup}:${digest(JSON.stringify([condition.connector, condition.request, condition.when]))}`,
    lookup: {
      name: condition.lookup,
      connector: condition.connector,
      action: httpRequest,
      request: request.compiled,
      retry: resolveRetryPolicy(condition.retry),
      timeoutMs: parseDuration(condition.timeout ?? '30s'),
    },
  };
}

function boolProgram(scope: CelScope, expr: string, path: string, problems: FieldProblem[]): CelProgram | undefined {
  const result = scope.compile(expr);
  if (!result.ok) {
    problems.push({ path, message: `invalid CEL: ${result.error}` });
    return undefined;
  }
  if (result.program.resultType !== 'bool' && result.program.resultType !== 'dyn') {
    problems.push({ path, message: `a condition must be a bool expression, this one returns ${result.program.resultType}` });
    return undefined;
  }
  return result.program;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function mapOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
