// What the CEL expressions and actions of one execution see, built from its loaded context. Pure,
// shared by the one-at-a-time runner and the batch runner so both evaluate the same variables.
import type { DataWrite } from '../actions/types.js';
import type { CelContext } from '../conditions/cel.js';
import type { WriteCommand } from '../services/write-path.js';
import type { ChangeRow, ExecutionRow, Json, RecordData, StepRow } from '../domain/types.js';
import { idempotencyKey, writeOrigin } from './execution-facts.js';
import { LOOKUP_CHECKPOINT_PREFIX } from '../definitions/conditions.js';
import { answerOf } from './lookups.js';

/** Outputs of succeeded checkpoints by step id (`steps` in later steps' CEL); parents' first. */
export function stepOutputs(...checkpoints: readonly StepRow[][]): Record<string, Json> {
  return Object.fromEntries(checkpoints.flat().filter((s) => s.status === 'succeeded').map((s) => [s.stepId, s.output]));
}

/** The record as the execution's expressions see it now: a deleted record is its last state. */
export function currentRecordData(change: ChangeRow | undefined, stored: RecordData | undefined): RecordData | undefined {
  return change?.operation === 'deleted' ? (change.before ?? {}) : stored;
}

/**
 * `outputs` holds lookup answers too (checkpoints `lookup:<name>`): expressions see those as
 * `lookups.<name>` (the response body), and the steps' own outputs as `steps`.
 */
export function celContextFor(exec: ExecutionRow, change: ChangeRow | undefined, record: RecordData, outputs: Record<string, Json>, now: number): CelContext {
  let steps = outputs;
  const lookups: Record<string, Json> = {};
  for (const [id, output] of Object.entries(outputs)) {
    if (!id.startsWith(LOOKUP_CHECKPOINT_PREFIX)) continue;
    if (steps === outputs) steps = { ...outputs };
    delete steps[id];
    lookups[id.slice(LOOKUP_CHECKPOINT_PREFIX.length)] = answerOf(output);
  }
  return {
    record: { ...record, id: exec.recordId },
    previous: change?.before ? { ...change.before, id: exec.recordId } : {},
    changed: change?.changedFields ?? [],
    now,
    steps,
    lookups,
  };
}

/** A data step's planned write as a write-path command, carrying the execution as its cause. */
export function writeCommandFor(exec: ExecutionRow, stepKey: string, write: DataWrite): WriteCommand {
  const common = { tenant: exec.tenant, type: write.type, ...writeOrigin(exec, stepKey) };
  if (write.kind === 'create') return { ...common, op: 'create', id: write.id ?? idempotencyKey(exec, stepKey), data: write.data };
  if (write.kind === 'update') return { ...common, op: 'patch', id: write.id, data: write.patch };
  return { ...common, op: 'delete', id: write.id };
}
