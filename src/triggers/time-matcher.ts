// Matches a schedule's fire or a timer's to the workflow version it belongs to, by (id, version):
// a fire of a version that is no longer in the index (a newer one was deployed, or the workflow
// was disabled) matches nothing. Also answers the write path's question "which date triggers
// watch this object type?" by an index lookup. Pure.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { OccurrenceMatcher } from './matcher.js';
import type { TimeOccurrence } from './occurrence.js';

export class TimeMatcher implements OccurrenceMatcher<TimeOccurrence> {
  private readonly byVersion = new Map<string, CompiledWorkflow>();
  private readonly datesByObject = new Map<string, CompiledWorkflow[]>();
  private readonly scheduled: CompiledWorkflow[] = [];

  add(wf: CompiledWorkflow): void {
    if (!wf.time) return;
    this.byVersion.set(key(wf.id, wf.version), wf);
    if (wf.time.kind === 'schedule') this.scheduled.push(wf);
    else {
      const list = this.datesByObject.get(wf.definition.object) ?? [];
      list.push(wf);
      this.datesByObject.set(wf.definition.object, list);
    }
  }

  match(occurrence: TimeOccurrence): CompiledWorkflow[] {
    const wf = this.byVersion.get(key(occurrence.workflowId, occurrence.version));
    const kind = occurrence.kind === 'schedule' ? 'schedule' : 'date';
    return wf && wf.time?.kind === kind ? [wf] : [];
  }

  /** The versions with an `on: date` trigger on records of this type (the write path keeps their timers). */
  dateTriggers(type: string): readonly CompiledWorkflow[] {
    return this.datesByObject.get(type) ?? [];
  }

  /** The versions with an `on: schedule` trigger. */
  schedules(): readonly CompiledWorkflow[] {
    return this.scheduled;
  }
}

function key(id: string, version: number): string {
  return `${id}\u0000${version}`;
}
