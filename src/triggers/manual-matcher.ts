// Matches a manual occurrence to the workflow it names, by id. Until `on: manual` exists in the
// workflow schema, every active workflow can be run by hand (an operator's "run now" on a record);
// that trigger will only narrow which workflows this matcher takes in. Pure.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { OccurrenceMatcher } from './matcher.js';
import type { ManualOccurrence } from './occurrence.js';

export class ManualMatcher implements OccurrenceMatcher<ManualOccurrence> {
  private readonly byId = new Map<string, CompiledWorkflow[]>();

  add(wf: CompiledWorkflow): void {
    const list = this.byId.get(wf.id) ?? [];
    list.push(wf);
    this.byId.set(wf.id, list);
  }

  match(occurrence: ManualOccurrence): CompiledWorkflow[] {
    return [...(this.byId.get(occurrence.workflowId) ?? [])];
  }
}
