// The dead-letter list: executions that failed for good (status `failed`), with their full
// context, to inspect, replay (same idempotency keys, checkpointed steps stay done) or discard.
import type { Clock } from '../clock.js';
import { SwitchyardError, validationError } from '../errors.js';
import type { Store } from '../store/port.js';
import type { AttemptRow, ChangeRow, ExecutionRow, StepRow } from '../domain/types.js';

export interface DeadLetter extends ExecutionRow {
  trigger: ChangeRow | null;
  steps: StepRow[];
  attempts: AttemptRow[];
}

export interface Selection {
  ids?: string[];
  /** Every dead letter of this workflow. */
  workflow?: string;
  /** Every dead letter of the tenant. */
  all?: boolean;
}

export class DeadLettersService {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  list(tenant: string, options: { workflow?: string; limit?: number; before?: string } = {}): Promise<ExecutionRow[]> {
    return this.store.listExecutions({ tenant, status: 'failed', workflowId: options.workflow, limit: Math.min(options.limit ?? 50, 500), before: options.before });
  }

  async show(tenant: string, id: string): Promise<DeadLetter> {
    const execution = await this.store.getExecution(tenant, id);
    if (!execution || execution.status !== 'failed') throw new SwitchyardError('EXECUTION_NOT_FOUND', `no dead letter ${id}`);
    const [trigger, steps, attempts] = await Promise.all([
      this.store.getChange(tenant, execution.triggerKey), this.store.listSteps(id), this.store.listAttempts(id),
    ]);
    return { ...execution, trigger: trigger ?? null, steps, attempts };
  }

  /** Requeues the selected dead letters. Returns the ids that moved. */
  async replay(tenant: string, selection: Selection): Promise<string[]> {
    const ids = await this.select(tenant, selection);
    const moved = await this.store.requeueExecutions(tenant, ids, ['failed'], this.clock.now());
    if (moved.length > 0) await this.store.notifyQueued();
    return moved;
  }

  /** Cancels the selected dead letters; `by` (who asked: an API token's name) goes into their reason. */
  async discard(tenant: string, selection: Selection, by?: string): Promise<string[]> {
    const ids = await this.select(tenant, selection);
    return this.store.cancelExecutions(tenant, ids, ['failed'], `discarded from the dead-letter list${by ? ` by ${by}` : ''}`, this.clock.now());
  }

  private async select(tenant: string, selection: Selection): Promise<string[]> {
    if (selection.ids && selection.ids.length > 0) return selection.ids;
    if (!selection.all && !selection.workflow) throw validationError([{ path: '/ids', message: 'name the dead letters: ids, workflow, or all: true' }]);
    const ids: string[] = [];
    for (let before: string | undefined; ;) {
      const page = await this.list(tenant, { workflow: selection.workflow, limit: 500, before });
      ids.push(...page.map((e) => e.id));
      if (page.length < 500) return ids;
      before = page.at(-1)?.id;
    }
  }
}
