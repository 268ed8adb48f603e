// Trigger matching is an index lookup by (object type, operation, field): the cost of matching a
// change grows with the fields it changed, not with the number of deployed workflows. Pure.
import { sameValue } from '../records/change-set.js';
import type { ChangeOperation, Json, RecordData } from '../store/types.js';
import type { CompiledWorkflow } from '../definitions/compile.js';

export interface ChangeFacts {
  type: string;
  operation: ChangeOperation;
  before: RecordData | null;
  after: RecordData | null;
  changedFields: string[];
}

export class TriggerIndex {
  private readonly buckets = new Map<string, CompiledWorkflow[]>();
  readonly workflows: readonly CompiledWorkflow[];

  constructor(workflows: CompiledWorkflow[]) {
    this.workflows = workflows;
    for (const wf of workflows) {
      const t = wf.definition.trigger;
      const keys =
        t.on === 'field_changed' ? [key(wf.definition.object, 'field', t.field ?? '')]
        : t.on === 'updated' && t.fields ? t.fields.map((f) => key(wf.definition.object, 'field', f))
        : [key(wf.definition.object, t.on, '')];
      for (const k of keys) {
        const bucket = this.buckets.get(k) ?? [];
        bucket.push(wf);
        this.buckets.set(k, bucket);
      }
    }
  }

  /** The workflows a change fires, each once, in a stable order (workflow id). */
  match(change: ChangeFacts): CompiledWorkflow[] {
    const found = new Map<string, CompiledWorkflow>();
    const consider = (k: string): void => {
      for (const wf of this.buckets.get(k) ?? []) {
        if (!found.has(wf.id) && firesOn(wf, change)) found.set(wf.id, wf);
      }
    };
    consider(key(change.type, change.operation, ''));
    if (change.operation !== 'deleted') for (const field of change.changedFields) consider(key(change.type, 'field', field));
    return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function key(type: string, on: string, field: string): string {
  return `${type}\u0000${on}\u0000${field}`;
}

function firesOn(wf: CompiledWorkflow, change: ChangeFacts): boolean {
  const t = wf.definition.trigger;
  if (t.on !== 'field_changed') return t.on === change.operation;
  // A field "changes" on create when it is set, and on update when its value differs.
  if (change.operation === 'deleted' || !t.field || !change.changedFields.includes(t.field)) return false;
  const before: Json | undefined = change.before?.[t.field];
  const after: Json | undefined = change.after?.[t.field];
  if (t.from !== undefined && !sameValue(before ?? null, t.from)) return false;
  if (t.to !== undefined && !sameValue(after ?? null, t.to)) return false;
  return true;
}
