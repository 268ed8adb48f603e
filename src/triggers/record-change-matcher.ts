// Matches record changes to record triggers (created, updated, deleted, field_changed) by an index
// lookup on (object type, operation, field): the cost of matching a change grows with the fields
// it changed, not with the number of deployed workflows. Pure.
import { sameValue } from '../records/change-set.js';
import type { ChangeOperation, Json, RecordData } from '../domain/types.js';
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { OccurrenceMatcher } from './matcher.js';

/** What matching needs to know about a change (a stored ChangeRow has all of it). */
export interface ChangeFacts {
  type: string;
  operation: ChangeOperation;
  before: RecordData | null;
  after: RecordData | null;
  changedFields: string[];
}

export class RecordChangeMatcher implements OccurrenceMatcher<ChangeFacts> {
  private readonly buckets = new Map<string, CompiledWorkflow[]>();

  add(wf: CompiledWorkflow): void {
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

  /** Every entry the change fires, each once (a version can sit in several field buckets). */
  match(change: ChangeFacts): CompiledWorkflow[] {
    const found = new Set<CompiledWorkflow>();
    const consider = (k: string): void => {
      for (const wf of this.buckets.get(k) ?? []) if (!found.has(wf) && firesOn(wf, change)) found.add(wf);
    };
    consider(key(change.type, change.operation, ''));
    if (change.operation !== 'deleted') for (const field of change.changedFields) consider(key(change.type, 'field', field));
    return [...found];
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
