// What a change to an object type would break in a deployed workflow. Removing a field, or giving
// it another type, is refused while a deployed workflow reads or writes it; adding fields never is.
// Pure: CEL is compiled only to read its AST (which record fields it reads); nothing is evaluated.
import { CelScope, fieldsRead } from '../conditions/cel.js';
import type { FieldSpec, ObjectTypeSpec } from '../domain/types.js';
import type { WorkflowDefinition } from '../domain/workflow.js';

/** A field the change removes (`to` undefined) or retypes. */
export interface FieldChange {
  field: string;
  from: FieldSpec;
  to?: FieldSpec;
}

/** One place in a workflow that uses a changed field. */
export interface FieldUse {
  workflowId: string;
  /** JSON pointer in the workflow definition. */
  path: string;
  field: string;
  how: 'reads' | 'writes' | 'triggers on';
}

/** The fields of `before` that `after` removes or retypes (new fields and picklist edits are not listed). */
export function dangerousChanges(before: ObjectTypeSpec | undefined, after: ObjectTypeSpec): FieldChange[] {
  if (!before) return [];
  const changes: FieldChange[] = [];
  for (const [field, from] of Object.entries(before.fields)) {
    const to = Object.hasOwn(after.fields, field) ? after.fields[field] : undefined;
    if (!to || to.type !== from.type) changes.push({ field, from, to });
  }
  return changes;
}

/** Step keys that are never CEL (names and settings): not worth compiling. */
const NOT_CEL = new Set(['id', 'type', 'connector', 'mode', 'object', 'retry', 'timeout', 'lookup', 'name']);

/**
 * Where the workflow uses any of `changed` fields of `typeName` (typed as `type`, the type before
 * the change): its trigger, every CEL string of its conditions and steps (and their fallbacks),
 * and the fields its record.update / record.create steps set.
 */
export function fieldUses(def: WorkflowDefinition, typeName: string, type: ObjectTypeSpec, changed: readonly string[]): FieldUse[] {
  const watched = new Set(changed);
  const uses: FieldUse[] = [];
  const use = (path: string, field: string, how: FieldUse['how']): void => {
    if (watched.has(field)) uses.push({ workflowId: def.id, path, field, how });
  };
  const onType = def.object === typeName;
  if (onType) {
    const t = def.trigger;
    if (t.field !== undefined) use('/trigger/field', t.field, 'triggers on');
    (t.fields ?? []).forEach((f, i) => use(`/trigger/fields/${i}`, f, 'triggers on'));
    const scope = new CelScope(type, { result: 'dyn', lookups: 'map<string, dyn>' });
    const visitCel = (value: unknown, path: string): void => {
      if (typeof value === 'string') {
        const compiled = scope.compile(value);
        if (!compiled.ok) return;
        for (const f of [...fieldsRead(compiled.program.ast, 'record'), ...fieldsRead(compiled.program.ast, 'previous')]) use(path, f, 'reads');
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visitCel(v, `${path}/${i}`));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) if (!NOT_CEL.has(k)) visitCel(v, `${path}/${escape(k)}`);
      }
    };
    visitCel(def.conditions ?? [], '/conditions');
    visitCel(def.actions, '/actions');
  }
  const visitSets = (step: Record<string, unknown>, path: string): void => {
    const target = step.type === 'record.update' ? def.object : step.type === 'record.create' ? String(step.object) : undefined;
    if (target === typeName && step.set && typeof step.set === 'object') {
      for (const field of Object.keys(step.set)) use(`${path}/set/${escape(field)}`, field, 'writes');
    }
    const fallbacks = Array.isArray(step.fallback) ? (step.fallback as Record<string, unknown>[]) : [];
    fallbacks.forEach((fb, j) => visitSets(fb, `${path}/fallback/${j}`));
  };
  def.actions.forEach((step, i) => visitSets(step, `/actions/${i}`));
  return dedupe(uses);
}

function dedupe(uses: FieldUse[]): FieldUse[] {
  const seen = new Set<string>();
  return uses.filter((u) => {
    const k = `${u.path}\u0000${u.field}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** JSON pointer escaping of one key. */
function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
