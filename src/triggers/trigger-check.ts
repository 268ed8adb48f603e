// Does a record trigger fire on a change, and if not, which part of it missed? The one rule that
// the matcher applies (record-change-matcher.ts, after its index lookup) and that explain
// (services/explain.ts) reports to a user asking "why didn't my workflow fire?". Pure.
import { sameValue } from '../records/change-set.js';
import type { ChangeOperation, Json, RecordData } from '../domain/types.js';
import type { Trigger } from '../domain/workflow.js';

/** What matching needs to know about a change (a stored ChangeRow has all of it). */
export interface ChangeFacts {
  type: string;
  operation: ChangeOperation;
  before: RecordData | null;
  after: RecordData | null;
  changedFields: string[];
}

/**
 * The part of a trigger a change misses: the operation (`on`), the watched field (it did not
 * change), `fields` (none of them changed), `from` / `to` (the field's old / new value), or
 * `on_create` (a field_changed trigger with `on_create: false` and a create).
 */
export type TriggerPart = 'operation' | 'field' | 'fields' | 'from' | 'to' | 'on_create';

/**
 * The first part of the trigger the change misses, or undefined when the trigger fires. Returns a
 * constant (no allocation): the matcher calls it for every candidate of every write.
 */
export function triggerMiss(t: Trigger, change: ChangeFacts): TriggerPart | undefined {
  if (t.on !== 'field_changed') {
    if (t.on !== change.operation) return 'operation';
    if (t.on === 'updated' && t.fields && !t.fields.some((f) => change.changedFields.includes(f))) return 'fields';
    return undefined;
  }
  // A field "changes" on create when it is set (unless on_create: false), and on update when its value differs.
  if (change.operation === 'deleted') return 'operation';
  if (change.operation === 'created' && t.on_create === false) return 'on_create';
  if (!t.field || !change.changedFields.includes(t.field)) return 'field';
  if (t.from !== undefined && !sameValue(valueOf(change.before, t.field), t.from)) return 'from';
  if (t.to !== undefined && !sameValue(valueOf(change.after, t.field), t.to)) return 'to';
  return undefined;
}

/** A sentence for a user: what the trigger wanted and what the change was. */
export function describeTriggerMiss(t: Trigger, change: ChangeFacts, part: TriggerPart): string {
  const field = t.field ?? '?';
  switch (part) {
    case 'operation':
      return `the trigger fires on ${t.on === 'field_changed' ? 'a create or update' : t.on === 'updated' ? 'an update' : t.on === 'created' ? 'a create' : 'a delete'}, and this change is ${article(change.operation)}`;
    case 'on_create':
      return `the trigger has on_create: false, and this change is the record's creation`;
    case 'field':
      return `${field} did not change (changed: ${change.changedFields.length > 0 ? change.changedFields.join(', ') : 'nothing'})`;
    case 'fields':
      return `none of ${(t.fields ?? []).join(', ')} changed (changed: ${change.changedFields.length > 0 ? change.changedFields.join(', ') : 'nothing'})`;
    case 'from':
      return `${field} changed from ${show(valueOf(change.before, field))}, not from ${show(t.from ?? null)}`;
    case 'to':
      return `${field} changed to ${show(valueOf(change.after, field))}, not to ${show(t.to ?? null)}`;
  }
}

function valueOf(data: RecordData | null, field: string): Json {
  return data && Object.hasOwn(data, field) ? (data[field] ?? null) : null;
}

function show(value: Json): string {
  return value === null ? 'nothing (unset)' : JSON.stringify(value);
}

function article(operation: ChangeOperation): string {
  return operation === 'created' ? 'a create' : operation === 'updated' ? 'an update' : 'a delete';
}
