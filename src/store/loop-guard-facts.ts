// The rows of both stores' loopGuardFacts statement -> LoopGuardFacts (pure; shared by the adapters).
import type { LoopGuardFacts } from './port.js';

/** One row per fact: workflow_id null carries the root change's count, the others a last-run time (null: never). */
export interface LoopGuardFactRow { workflow_id: string | null; v: number | null }

export function loopGuardFacts(rows: LoopGuardFactRow[]): LoopGuardFacts {
  let causedByRoot = 0;
  const lastRunAt = new Map<string, number>();
  for (const row of rows) {
    if (row.workflow_id === null) causedByRoot = Number(row.v ?? 0);
    else if (row.v !== null) lastRunAt.set(row.workflow_id, Number(row.v));
  }
  return { causedByRoot, lastRunAt };
}
