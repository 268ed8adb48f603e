// What one workflow reads (its trigger, the fields its conditions look at) and writes (the records
// its data steps update, create or delete, with the values when they are statically known).
// Pure: CEL is compiled only to get at its AST; nothing is evaluated.
import { CelScope, fieldsRead, literalValue } from '../conditions/cel.js';
import { conditionExpressions } from '../definitions/conditions.js';
import type { StepDefinition, WorkflowDefinition } from '../domain/workflow.js';
import { sameValue } from '../records/change-set.js';
import type { Json, ObjectTypeSpec } from '../domain/types.js';
import type { FieldWrite, RecordWrite, WorkflowReads } from './types.js';

/** Compiles CEL per object type, one scope each (building an environment is not free). */
export class ScopeCache {
  private readonly scopes = new Map<string, CelScope>();
  constructor(private readonly types: Map<string, ObjectTypeSpec>) {}

  /** The AST of `source` in `object`'s scope, or undefined when it does not compile. */
  ast(object: string, source: unknown): unknown {
    if (typeof source !== 'string') return undefined;
    const type = this.types.get(object);
    if (!type) return undefined;
    let scope = this.scopes.get(object);
    if (!scope) {
      scope = new CelScope(type);
      this.scopes.set(object, scope);
    }
    const result = scope.compile(source);
    return result.ok ? result.program.ast : undefined;
  }
}

export function workflowReads(def: WorkflowDefinition, scopes: ScopeCache): WorkflowReads {
  const t = def.trigger;
  const sources: unknown[] = (def.conditions ?? []).flatMap(conditionExpressions);
  for (const step of def.actions) if (step.when) sources.push(step.when);
  const record = new Set<string>();
  const previous = new Set<string>();
  for (const source of sources) {
    const ast = scopes.ast(def.object, source);
    if (ast === undefined) continue;
    for (const f of fieldsRead(ast, 'record')) record.add(f);
    for (const f of fieldsRead(ast, 'previous')) previous.add(f);
  }
  const triggerFields = t.on === 'field_changed' || t.on === 'date' ? (t.field ? [t.field] : []) : t.on === 'updated' ? [...(t.fields ?? [])] : [];
  const reads: WorkflowReads = {
    object: def.object,
    operation: t.on,
    triggerFields,
    conditionFields: [...record].sort(),
    previousFields: [...previous].sort(),
  };
  // `from`/`to` only mean something on field_changed, which is also all the runtime looks at.
  if (t.on === 'field_changed' && t.from !== undefined) reads.from = t.from;
  if (t.on === 'field_changed' && t.to !== undefined) reads.to = t.to;
  if (t.on === 'field_changed' && t.on_create === false) reads.updatesOnly = true;
  return reads;
}

/** Every record write the workflow's data steps, and their fallbacks, can make. */
export function workflowWrites(def: WorkflowDefinition, scopes: ScopeCache): RecordWrite[] {
  const writes: RecordWrite[] = [];
  for (const step of def.actions) {
    // A fallback runs when its step fails, so its writes are as real as the step's own.
    const variants: { name: string; step: StepDefinition }[] = [{ name: step.id, step }];
    (step.fallback ?? []).forEach((fb, i) => variants.push({ name: `${step.id}#fallback-${i + 1}`, step: fb as StepDefinition }));
    for (const { name, step: s } of variants) {
      const write = dataWrite(def, s, name, scopes);
      if (write) writes.push(write);
    }
  }
  return writes;
}

function dataWrite(def: WorkflowDefinition, step: StepDefinition, name: string, scopes: ScopeCache): RecordWrite | undefined {
  switch (step.type) {
    case 'record.update':
      return { kind: 'update', object: def.object, step: name, fields: fieldWrites(def, step.set, scopes) };
    case 'record.create':
      return { kind: 'create', object: String(step.object), step: name, fields: fieldWrites(def, step.set, scopes) };
    case 'record.delete':
      return { kind: 'delete', object: def.object, step: name, fields: [] };
    default:
      return undefined; // connectors reach outside; they write no records
  }
}

function fieldWrites(def: WorkflowDefinition, set: unknown, scopes: ScopeCache): FieldWrite[] {
  if (!set || typeof set !== 'object') return [];
  const out: FieldWrite[] = [];
  // Set values are CEL over the triggering record, whatever object the step writes.
  for (const [field, source] of Object.entries(set as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const write: FieldWrite = { field, source: String(source) };
    const ast = scopes.ast(def.object, source);
    const values = ast === undefined ? undefined : possibleValues(ast);
    if (values) write.values = values;
    out.push(write);
  }
  return out;
}

/**
 * The values an expression can produce, when finitely many and known: a literal, a negated
 * number literal, or a ternary whose branches are known. Undefined means "any value".
 */
export function possibleValues(ast: unknown): Json[] | undefined {
  const literal = literalValue(ast);
  if (literal) return [literal.value];
  const n = ast as { op?: unknown; args?: unknown };
  if (n.op === '-_') {
    const inner = literalValue(n.args);
    return inner && typeof inner.value === 'number' ? [-inner.value] : undefined;
  }
  if (n.op === '?:' && Array.isArray(n.args)) {
    const yes = possibleValues(n.args[1]);
    const no = possibleValues(n.args[2]);
    if (!yes || !no) return undefined;
    const all: Json[] = [...yes];
    for (const v of no) if (!all.some((w) => sameValue(v, w))) all.push(v);
    return all;
  }
  return undefined;
}
