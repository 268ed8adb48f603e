// One index over every kind of occurrence: each kind has its matcher (matcher.ts), and match()
// hands an occurrence to the matcher of its kind. Matching is an index lookup, never a scan over
// all workflows. The index holds workflow versions, and may hold several versions of one workflow
// (gradual rollout, shadow versions): each entry keeps its version, and the catalog decides which
// versions go in (today: the active one of each enabled workflow). Pure.
import type { CompiledWorkflow } from '../definitions/compile.js';
import { ManualMatcher } from './manual-matcher.js';
import type { OccurrenceMatcher } from './matcher.js';
import type { Occurrence } from './occurrence.js';
import { RecordChangeMatcher, type ChangeFacts } from './record-change-matcher.js';
import { TimeMatcher } from './time-matcher.js';

export type { ChangeFacts };

export class TriggerIndex {
  readonly workflows: readonly CompiledWorkflow[];
  private readonly records = new RecordChangeMatcher();
  private readonly manual = new ManualMatcher();
  /** Schedules and relative-date timers; the write path and the scheduler ask it what they keep. */
  readonly time = new TimeMatcher();

  constructor(workflows: CompiledWorkflow[]) {
    this.workflows = workflows;
    const matchers: OccurrenceMatcher<never>[] = [this.records, this.manual, this.time];
    for (const wf of workflows) for (const matcher of matchers) matcher.add(wf);
  }

  /**
   * The workflow versions an occurrence fires, each once, in a stable order (workflow id, then
   * version). Bare change facts are read as a record change (the dependency graph's simulations ask
   * about changes that were never written).
   */
  match(occurrence: Occurrence | ChangeFacts): CompiledWorkflow[] {
    const found = 'kind' in occurrence ? this.matchOccurrence(occurrence) : this.records.match(occurrence);
    return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.version - b.version));
  }

  /** Each kind goes to its own matcher: adding a trigger family is one matcher and one case here. */
  private matchOccurrence(occurrence: Occurrence): CompiledWorkflow[] {
    switch (occurrence.kind) {
      case 'record_change': return this.records.match(occurrence.change);
      case 'manual': return this.manual.match(occurrence);
      case 'schedule':
      case 'timer': return this.time.match(occurrence);
      // event, batch: no trigger of the workflow schema listens for them yet.
      default: return [];
    }
  }
}
