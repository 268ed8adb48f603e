// Can one record write fire one trigger? This mirrors src/triggers/trigger-index.ts exactly, but
// over every possible "before" record: an edge is dropped only when no before-state and no value
// the write can produce would make the runtime fire the trigger (sound), and kept otherwise.
import { sameValue } from '../records/change-set.js';
import type { Json } from '../domain/types.js';
import type { FieldWrite, RecordWrite, WorkflowReads } from './types.js';

export interface FireCause {
  via: string;
  /** The second half of a reason: "B fires on lead.owner changed". */
  trigger: string;
  /** The first half: "A sets lead.owner". */
  write: string;
}

/** Every way `write` can fire a workflow whose trigger is `target` (empty: it cannot). */
export function fireCauses(write: RecordWrite, target: WorkflowReads): FireCause[] {
  const obj = write.object;
  if (obj !== target.object) return [];
  switch (target.operation) {
    case 'created':
      return write.kind === 'create' ? [{ via: `${obj} created`, write: `creates a ${obj}`, trigger: `fires on ${obj} created` }] : [];
    case 'deleted':
      return write.kind === 'delete' ? [{ via: `${obj} deleted`, write: `deletes a ${obj}`, trigger: `fires on ${obj} deleted` }] : [];
    case 'updated':
      return write.kind === 'update' ? updatedCauses(write, target) : [];
    case 'field_changed':
      return fieldChangedCauses(write, target);
    case 'schedule':
      return [];
    case 'date':
      return dateCauses(write, target);
  }
}

function updatedCauses(write: RecordWrite, target: WorkflowReads): FireCause[] {
  const obj = write.object;
  if (target.triggerFields.length === 0) {
    // Conservative: any update may record a change, even one that sets a field to its value.
    return [{ via: `${obj} updated`, write: `updates a ${obj}`, trigger: `fires on every ${obj} update` }];
  }
  // Any set field can differ from its before-value, so naming it is enough.
  return write.fields
    .filter((w) => target.triggerFields.includes(w.field))
    .map((w) => ({ via: `${obj}.${w.field}`, write: `sets ${obj}.${w.field}${valuesText(w)}`, trigger: `fires on ${obj} updated (fields: ${target.triggerFields.join(', ')})` }));
}

function fieldChangedCauses(write: RecordWrite, target: WorkflowReads): FireCause[] {
  const obj = write.object;
  const field = target.triggerFields[0];
  if (field === undefined || write.kind === 'delete' || (write.kind === 'create' && target.updatesOnly)) return [];
  const trigger = `fires on ${obj}.${field} changed${fromToText(target)}`;
  if (write.kind === 'create' && field === 'id') {
    // A new record gets an id; whatever it is, it was null before.
    return canSetOnCreate(undefined, target.from, target.to) ? [{ via: `${obj}.id`, write: `creates a ${obj}`, trigger }] : [];
  }
  const w = write.fields.find((f) => f.field === field);
  if (!w) return [];
  const possible = write.kind === 'create' ? canSetOnCreate(w.values, target.from, target.to) : canChangeOnUpdate(w.values, target.from, target.to);
  if (!possible) return [];
  const verb = write.kind === 'create' ? `creates a ${obj} with ${field}${valuesText(w)}` : `sets ${obj}.${field}${valuesText(w)}`;
  return [{ via: `${obj}.${field}`, write: verb, trigger }];
}

/**
 * An update writes value V over some before-value B; the runtime fires when V differs from B,
 * B matches `from` and V matches `to` (missing fields compare as null).
 */
export function canChangeOnUpdate(values: Json[] | undefined, from: Json | undefined, to: Json | undefined): boolean {
  if (values === undefined) {
    // Any V: only "from X to X" is impossible, since V must differ from B.
    return !(from !== undefined && to !== undefined && sameValue(from, to));
  }
  // B can be anything but V, so only a `from` equal to V rules it out.
  return values.some((v) => (from === undefined || !sameValue(from, v)) && (to === undefined || sameValue(v, to)));
}

/** A create changes a field when it sets it to non-null; before is always null. */
export function canSetOnCreate(values: Json[] | undefined, from: Json | undefined, to: Json | undefined): boolean {
  if (from !== undefined && from !== null) return false;
  if (values === undefined) return to === undefined || to !== null;
  return values.some((v) => v !== null && (to === undefined || sameValue(v, to)));
}

function valuesText(w: FieldWrite): string {
  return w.values ? ` to ${w.values.map((v) => JSON.stringify(v)).join(' or ')}` : '';
}

function fromToText(t: WorkflowReads): string {
  const from = t.from !== undefined ? ` from ${JSON.stringify(t.from)}` : '';
  const to = t.to !== undefined ? ` to ${JSON.stringify(t.to)}` : '';
  return `${from}${to}`;
}

/**
 * A relative-date timer fires later, at a time its anchor sets: a write that sets the anchor field
 * (or, for `after: created`, creates the record) schedules the fire, so it is an edge all the same
 * (an `offset: 0d` loop would otherwise pass deploy and run for ever, one timer at a time).
 */
function dateCauses(write: RecordWrite, target: WorkflowReads): FireCause[] {
  const obj = write.object;
  const field = target.triggerFields[0];
  if (write.kind === 'delete') return [];
  if (field === undefined) return write.kind === 'create' ? [{ via: `${obj} created`, write: `creates a ${obj}`, trigger: `fires some time after a ${obj} is created` }] : [];
  const w = write.fields.find((f) => f.field === field);
  return w ? [{ via: `${obj}.${field}`, write: `sets ${obj}.${field}${valuesText(w)}`, trigger: `fires at a time relative to ${obj}.${field}` }] : [];
}
