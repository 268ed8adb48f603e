// An occurrence is anything that can start executions: a record change, a schedule's fire, a
// relative timer, an external event, a manual run, a batch. The trigger index matches an
// occurrence to workflow versions, and the intake (services/intake.ts) queues one execution per
// match, deduplicated by (workflow, version, occurrence key, step): so a key must be stable for one
// real-world happening however often it is delivered (invariant 2). Pure data.
import type { Cause, ChangeRow, Json, OccurrenceKind } from '../domain/types.js';

export type { OccurrenceKind };

export interface RecordRef {
  type: string;
  id: string;
}

interface OccurrenceBase {
  tenant: string;
  /** Unique per (tenant, kind): a change id, an event id, "<schedule>@<fire time>", an Idempotency-Key. */
  key: string;
  /** What the occurrence carries; a non-record execution sees it as `exec.input.payload`. */
  payload: Json;
  /** The record it is about, when there is one: its executions run in that record's lane. */
  record?: RecordRef;
  at: number;
  /** Its place in a causal chain, as a change carries it: the loop guard reads depth, root and path. */
  cause: Cause;
}

/** A committed write to one record (the change itself is stored in `changes`). */
export interface RecordChangeOccurrence extends OccurrenceBase {
  kind: 'record_change';
  record: RecordRef;
  change: ChangeRow;
}

/** A run asked for by a person or a program; it names the workflow it runs. */
export interface ManualOccurrence extends OccurrenceBase {
  kind: 'manual';
  workflowId: string;
}

/**
 * A schedule's fire or a relative-date timer's: it names the workflow version whose trigger it
 * is. The key is "<schedule or timer>@<ISO due time>", the same in every process.
 */
export interface TimeOccurrence extends OccurrenceBase {
  kind: 'schedule' | 'timer';
  workflowId: string;
  version: number;
}

/** Kinds whose matchers do not exist yet (events come with their issue). */
export interface OtherOccurrence extends OccurrenceBase {
  kind: Exclude<OccurrenceKind, 'record_change' | 'manual' | 'schedule' | 'timer'>;
}

export type Occurrence = RecordChangeOccurrence | ManualOccurrence | TimeOccurrence | OtherOccurrence;

/** A stored change as the occurrence it is: the key is the change id, as trigger keys always were. */
export function changeOccurrence(change: ChangeRow): RecordChangeOccurrence {
  return {
    kind: 'record_change', tenant: change.tenant, key: change.id, at: change.at, cause: change.cause,
    record: { type: change.type, id: change.recordId },
    payload: { operation: change.operation, changedFields: change.changedFields },
    change,
  };
}

/**
 * The cause of an occurrence that is not a write: a root of its own chain unless a parent (an
 * execution that raised it) is given. The root id is "<kind>:<key>", so it never collides with a
 * change id and stays the same when the occurrence is delivered again.
 */
export function occurrenceCause(kind: OccurrenceKind, key: string, parent?: Omit<Cause, 'depth'> & { depth: number }): Cause {
  return parent ? { ...parent, depth: parent.depth + 1 } : { rootChangeId: `${kind}:${key}`, depth: 0 };
}
