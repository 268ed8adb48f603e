// Matches record changes to record triggers (created, updated, deleted, field_changed) by an index
// lookup on (object type, operation, field): the cost of matching a change grows with the fields
// it changed, not with the number of deployed workflows. Pure.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { OccurrenceMatcher } from './matcher.js';
import { triggerMiss, type ChangeFacts } from './trigger-check.js';

export type { ChangeFacts };

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

/** The bucket only narrows the candidates; trigger-check.ts decides (and explain reuses it). */
function firesOn(wf: CompiledWorkflow, change: ChangeFacts): boolean {
  return triggerMiss(wf.definition.trigger, change) === undefined;
}
