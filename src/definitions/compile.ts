// Compiling a validated definition against the tenant's object types: every CEL expression is
// type-checked here, at deploy, so a field-name typo never reaches run time.
import { ACTION_SPECS, actionSpec } from '../actions/catalog.js';
import { parseDuration } from '../clock.js';
import { resolveRetryPolicy, type RetryPolicy } from '../failures/retry-policy.js';
import type { ActionSpec } from '../actions/types.js';
import { CelScope, type CelProgram } from '../conditions/cel.js';
import { validationError, type FieldProblem } from '../errors.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import { fieldSpec } from '../records/object-types.js';
import type { StepDefinition, WorkflowDefinition } from '../domain/workflow.js';
import { connectorProblems, type ConnectorCatalogue } from './references.js';
import { compileConditions, isLookup, type CompiledCondition } from './conditions.js';
import { compileTimeTrigger, strayTimeKeys, type CompiledTimeTrigger } from './time-trigger.js';

export type { CompiledCondition, CompiledLookup } from './conditions.js';

export interface CompiledStep {
  definition: StepDefinition;
  action: ActionSpec;
  compiled: unknown;
  mode: 'sync' | 'async';
  when?: CelProgram;
  retry: RetryPolicy;
  /** Per attempt; default 30 s. */
  timeoutMs: number;
  /** Tried in order, once each, after the step's retries are exhausted. */
  fallbacks: CompiledStep[];
}

export interface CompiledWorkflow {
  tenant: string;
  id: string;
  version: number;
  definition: WorkflowDefinition;
  objectType: ObjectTypeSpec;
  conditions: CompiledCondition[];
  steps: CompiledStep[];
  /** An `on: schedule` or `on: date` trigger, resolved (definitions/time-trigger.ts). */
  time?: CompiledTimeTrigger;
}


export interface CompileMeta {
  tenant: string;
  version: number;
  file?: string;
  /**
   * The tenant's connectors: given, every step's and fallback's `connector` must name one of a
   * type its action speaks (deploy, and validate with a config). Omitted, connectors are not
   * checked: loading a stored version must not fail because config changed after it was deployed.
   */
  connectors?: ConnectorCatalogue;
}

/** Compiles or throws WORKFLOW_INVALID listing every problem (with file when given). */
export function compileWorkflow(
  definition: WorkflowDefinition,
  types: Map<string, ObjectTypeSpec>,
  meta: CompileMeta,
): CompiledWorkflow {
  const problems: FieldProblem[] = [];
  const objectType = types.get(definition.object);
  if (!objectType) {
    throw validationError([{ file: meta.file, path: '/object', message: `unknown object type "${definition.object}" (known: ${[...types.keys()].join(', ')})` }], 'WORKFLOW_INVALID');
  }
  const scope = new CelScope(objectType);
  const timed = definition.trigger.on === 'schedule' || definition.trigger.on === 'date' ? compileTimeTrigger(definition.trigger, objectType, scope) : undefined;
  problems.push(...(timed ? timed.problems : checkTrigger(definition, objectType)));

  // CEL checks and lookups (definitions/conditions.ts); steps also see the lookups' answers.
  const { problems: conditionProblems, conditions } = compileConditions(definition, { types, objectType, scope, tenant: meta.tenant, connectors: meta.connectors });
  problems.push(...conditionProblems);
  const stepScope = (definition.conditions ?? []).some(isLookup) ? new CelScope(objectType, { lookups: 'map<string, dyn>' }) : scope;

  const compileStep = (step: StepDefinition, path: string): CompiledStep | undefined => {
    const action = actionSpec(step.type);
    if (!action) {
      problems.push({ path: `${path}/type`, message: `unknown action type "${step.type}" (known: ${ACTION_SPECS.map((a) => a.type).join(', ')})` });
      return undefined;
    }
    const result = action.compile(step, { types, objectType, scope: stepScope, path });
    problems.push(...result.problems);
    if (meta.connectors) problems.push(...connectorProblems(action, step.connector, meta.connectors, meta.tenant, path));
    let when: CelProgram | undefined;
    if (step.when) {
      const w = stepScope.compile(step.when);
      if (!w.ok) problems.push({ path: `${path}/when`, message: `invalid CEL: ${w.error}` });
      else when = w.program;
    }
    const fallbacks = (step.fallback ?? [])
      .map((fb, j) => compileStep({ ...fb, id: `${step.id}.fallback.${j}` }, `${path}/fallback/${j}`))
      .filter((f): f is CompiledStep => f !== undefined);
    return {
      definition: step, action, compiled: result.compiled, mode: step.mode ?? 'sync', when,
      retry: resolveRetryPolicy(step.retry), timeoutMs: parseDuration(step.timeout ?? '30s'), fallbacks,
    };
  };
  const steps: CompiledStep[] = [];
  definition.actions.forEach((step, index) => {
    const compiled = compileStep(step, `/actions/${index}`);
    if (compiled) steps.push(compiled);
  });

  if (problems.length > 0) {
    throw validationError(problems.map((p) => ({ ...p, file: meta.file })), 'WORKFLOW_INVALID');
  }
  return { tenant: meta.tenant, id: definition.id, version: meta.version, definition, objectType, conditions, steps, time: timed?.compiled };
}

function checkTrigger(definition: WorkflowDefinition, type: ObjectTypeSpec): FieldProblem[] {
  const trigger = definition.trigger;
  const problems: FieldProblem[] = [];
  const hasField = (field: string): boolean => field === 'id' || fieldSpec(type, field) !== undefined;
  problems.push(...strayTimeKeys(trigger));
  if (trigger.on === 'field_changed') {
    if (!trigger.field) problems.push({ path: '/trigger/field', message: 'field_changed needs the field it watches' });
    else if (!hasField(trigger.field)) problems.push({ path: '/trigger/field', message: `unknown field "${trigger.field}" for object type ${type.name}` });
    else {
      const spec = fieldSpec(type, trigger.field);
      for (const key of ['from', 'to'] as const) {
        const value = trigger[key];
        if (value === undefined || value === null || !spec) continue;
        const expected = spec.type === 'integer' ? 'number' : spec.type === 'datetime' ? 'string' : spec.type;
        if (typeof value !== expected) problems.push({ path: `/trigger/${key}`, message: `${trigger.field} is a ${spec.type} field; ${JSON.stringify(value)} can never match` });
        // A field with a closed list of values: a value outside it (a typo'd stage) can never match either.
        else if (spec.values && typeof value === 'string' && !spec.values.includes(value)) {
          problems.push({ path: `/trigger/${key}`, message: `${JSON.stringify(value)} is not one of ${trigger.field}'s values (${spec.values.join(', ')}); it can never match` });
        }
      }
    }
  } else {
    for (const key of ['field', 'from', 'to', 'on_create'] as const) {
      if (trigger[key] !== undefined) problems.push({ path: `/trigger/${key}`, message: `"${key}" only applies to on: field_changed` });
    }
  }
  if (trigger.fields) {
    if (trigger.on !== 'updated') problems.push({ path: '/trigger/fields', message: '"fields" only applies to on: updated' });
    trigger.fields.forEach((field, i) => {
      if (!hasField(field)) problems.push({ path: `/trigger/fields/${i}`, message: `unknown field "${field}" for object type ${type.name}` });
    });
  }
  return problems;
}
