// record.update, record.create, record.delete: values are CEL expressions over the triggering
// record, type-checked against the target field at deploy.
import { Type } from '@sinclair/typebox';
import { assertResultSize } from '../conditions/budget.js';
import { fitsField, type CelProgram } from '../conditions/cel.js';
import { isExpressionError } from '../conditions/expression-errors.js';
import type { FieldProblem } from '../errors.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import { fieldSpec } from '../records/object-types.js';
import type { Json } from '../domain/types.js';
import { NonRetryableError } from '../failures/action-failures.js';
import type { ActionCompileContext, DataAction } from './types.js';

const SetParam = Type.Record(Type.String(), Type.String({ minLength: 1 }), { description: 'field: CEL expression' });

export interface CompiledSet {
  fields: Record<string, CelProgram>;
}

/** Compiles each `set` value in the trigger record's scope and checks it fits the target field. */
export function compileSet(set: unknown, target: ObjectTypeSpec, ctx: ActionCompileContext, path: string): { problems: FieldProblem[]; fields: Record<string, CelProgram> } {
  const problems: FieldProblem[] = [];
  const fields: Record<string, CelProgram> = {};
  for (const [field, source] of Object.entries((set ?? {}) as Record<string, string>)) {
    const spec = fieldSpec(target, field);
    const at = `${path}/${field}`;
    if (!spec) {
      problems.push({ path: at, message: `unknown field "${field}" for object type ${target.name}` });
      continue;
    }
    const result = ctx.scope.compile(source);
    if (!result.ok) {
      problems.push({ path: at, message: `invalid CEL: ${result.error}` });
      continue;
    }
    if (!fitsField(result.program.resultType, spec.type)) {
      problems.push({ path: at, message: `expression returns ${result.program.resultType}, but ${field} is a ${spec.type} field` });
      continue;
    }
    fields[field] = result.program;
  }
  return { problems, fields };
}

/**
 * Evaluates each `set` value. A failure is the expression's own (EXPRESSION_FAILED), or it ran
 * over its budget or built a value too large to store (EXPRESSION_BUDGET_EXCEEDED): neither is
 * transient, so the step fails at once instead of being retried.
 */
function evaluateSet(fields: Record<string, CelProgram>, cel: Parameters<CelProgram['evaluate']>[0]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [field, program] of Object.entries(fields)) {
    try {
      const value = program.evaluate(cel) as Json;
      assertResultSize(value, `set.${field}`);
      out[field] = value;
    } catch (error) {
      const code = isExpressionError(error) ? error.code : 'EXPRESSION_FAILED';
      throw new NonRetryableError(`set.${field} (${program.source.slice(0, 80)}) failed: ${error instanceof Error ? error.message : String(error)}`, { code, cause: error });
    }
  }
  return out;
}

export const recordUpdate: DataAction<CompiledSet> = {
  kind: 'data',
  type: 'record.update',
  description: 'Set fields of the triggering record',
  params: { set: SetParam },
  compile(step, ctx) {
    const { problems, fields } = compileSet(step.set, ctx.objectType, ctx, `${ctx.path}/set`);
    if (Object.keys(step.set ?? {}).length === 0) problems.push({ path: `${ctx.path}/set`, message: 'set at least one field' });
    return { problems, compiled: { fields } };
  },
  plan(compiled, ctx) {
    return [{ kind: 'update', type: ctx.recordType, id: ctx.recordId, patch: evaluateSet(compiled.fields, ctx.cel) }];
  },
};

export const recordCreate: DataAction<CompiledSet & { object: string }> = {
  kind: 'data',
  type: 'record.create',
  description: 'Create a record (e.g. a follow-up task related to the triggering record)',
  params: { object: Type.String({ minLength: 1 }), set: SetParam },
  compile(step, ctx) {
    const object = String(step.object);
    const target = ctx.types.get(object);
    if (!target) return { problems: [{ path: `${ctx.path}/object`, message: `unknown object type "${object}"` }] };
    const { problems, fields } = compileSet(step.set, target, ctx, `${ctx.path}/set`);
    for (const [field, spec] of Object.entries(target.fields)) {
      if (spec.required && !Object.hasOwn(fields, field) && !problems.some((p) => p.path.endsWith(`/${field}`))) {
        problems.push({ path: `${ctx.path}/set`, message: `field "${field}" is required for ${object}` });
      }
    }
    return { problems, compiled: { fields, object } };
  },
  plan(compiled, ctx) {
    // The id is derived from the step's idempotency key, so a replayed step cannot create twice.
    return [{ kind: 'create', type: compiled.object, id: `${ctx.idempotencyKey}`, data: evaluateSet(compiled.fields, ctx.cel) }];
  },
};

export const recordDelete: DataAction<null> = {
  kind: 'data',
  type: 'record.delete',
  description: 'Delete the triggering record',
  params: {},
  compile: () => ({ problems: [], compiled: null }),
  plan: (_compiled, ctx) => [{ kind: 'delete', type: ctx.recordType, id: ctx.recordId }],
};

/** An in-app notification: a `notification` record for a user, related to the triggering record. */
export const notificationCreate: DataAction<CompiledSet> = {
  kind: 'data',
  type: 'notification.create',
  description: 'Create an in-app notification for a user about the triggering record',
  params: { to: Type.String({ minLength: 1, description: 'CEL: the recipient user id' }), title: Type.String({ minLength: 1 }), body: Type.Optional(Type.String({ minLength: 1 })) },
  compile(step, ctx) {
    const target = ctx.types.get('notification');
    if (!target) return { problems: [{ path: `${ctx.path}/type`, message: 'the notification object type is not configured' }] };
    const set: Record<string, unknown> = { recipient: step.to, title: step.title, ...(step.body ? { body: step.body } : {}) };
    const { problems, fields } = compileSet(set, target, ctx, ctx.path);
    return { problems: problems.map((p) => ({ ...p, path: p.path.replace('/recipient', '/to') })), compiled: { fields } };
  },
  plan(compiled, ctx) {
    const related = { related_type: ctx.recordType, related_id: ctx.recordId, read: false };
    return [{ kind: 'create', type: 'notification', id: ctx.idempotencyKey, data: { ...evaluateSet(compiled.fields, ctx.cel), ...related } }];
  },
};

export const DATA_ACTIONS: DataAction[] = [recordUpdate, recordCreate, recordDelete, notificationCreate] as DataAction[];
