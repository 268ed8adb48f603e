// The seam every trigger family plugs into: one matcher per occurrence kind. A new kind of trigger
// (`on: schedule`, `on: event`) is a new matcher registered in trigger-index.ts, never a new path
// through the intake.
import type { CompiledWorkflow } from '../definitions/compile.js';

export interface OccurrenceMatcher<O> {
  /** Takes the workflow version in if its trigger belongs to this matcher; otherwise ignores it. */
  add(wf: CompiledWorkflow): void;
  /** The versions the occurrence fires, each once, in any order (the index sorts). Pure, no I/O. */
  match(occurrence: O): CompiledWorkflow[];
}
