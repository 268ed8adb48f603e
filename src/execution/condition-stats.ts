// Condition stats shared through the store, so the cheapest-and-most-selective ordering survives a
// restart and is the same in every process, without a write per evaluation:
// - every evaluation is counted in memory (conditions/ordering.ts ranks on it at once) and added
//   to a pending delta; the deltas of all conditions are written in one store call at most once
//   per `flushMs` (and at stop), then the touched workflows' totals are read back, so this process
//   ranks on what every process measured;
// - `prepare` loads a workflow's totals before its conditions are checked when this process has
//   none yet or they are older than `refreshMs` (one read per workflow per interval).
// A failed write keeps its deltas for the next flush; a failed read keeps the in-memory totals.
import type { Clock } from '../clock.js';
import { addTotals, ConditionStats, type ConditionTotals } from '../conditions/ordering.js';
import type { CompiledCondition, CompiledWorkflow } from '../definitions/compile.js';
import type { Store } from '../store/port.js';
import type { ConditionStatsRow } from '../store/types.js';

export interface SharedConditionStatsOptions {
  /** Longest time a measurement waits in memory before it is written. Default 1 s. */
  flushMs?: number;
  /** Age after which `prepare` reads a workflow's totals again. Default 30 s. */
  refreshMs?: number;
}

export const DEFAULT_CONDITION_STATS_FLUSH_MS = 1_000;
export const DEFAULT_CONDITION_STATS_REFRESH_MS = 30_000;

const SEP = '\u0000';

/** The in-memory key of one condition of one workflow of one tenant. */
export function conditionStatsKey(wf: Pick<CompiledWorkflow, 'tenant' | 'id'>, condition: Pick<CompiledCondition, 'statsKey'>): string {
  return [wf.tenant, wf.id, condition.statsKey].join(SEP);
}

export class SharedConditionStats extends ConditionStats {
  private pending = new Map<string, ConditionTotals>();
  /** Per workflow (tenant + id): when its totals were last read. */
  private readonly loadedAt = new Map<string, number>();
  private readonly flushMs: number;
  private readonly refreshMs: number;
  private flushing: Promise<void> = Promise.resolve();
  private timer?: AbortController;

  constructor(private readonly store: Store, private readonly clock: Clock, options: SharedConditionStatsOptions = {}) {
    super();
    this.flushMs = options.flushMs ?? DEFAULT_CONDITION_STATS_FLUSH_MS;
    this.refreshMs = options.refreshMs ?? DEFAULT_CONDITION_STATS_REFRESH_MS;
  }

  override record(key: string, ms: number, result: boolean): void {
    super.record(key, ms, result);
    this.pending.set(key, addTotals(this.pending.get(key), { runs: 1, falses: result ? 0 : 1, totalMs: ms }));
    this.schedule();
  }

  /** Reads the workflow's shared totals unless this process read them within `refreshMs`. */
  async prepare(tenant: string, workflowId: string): Promise<void> {
    const id = [tenant, workflowId].join(SEP);
    const at = this.loadedAt.get(id);
    const now = this.clock.now();
    if (at !== undefined && now - at < this.refreshMs) return;
    this.loadedAt.set(id, now); // concurrent executions of the workflow do not all read
    try {
      this.apply(tenant, workflowId, await this.store.listConditionStats(tenant, workflowId));
    } catch {
      this.loadedAt.delete(id); // ordering goes on from memory; the next check reads again
    }
  }

  /** Writes every pending measurement now (the engine's stop calls it). */
  flush(): Promise<void> {
    this.timer?.abort();
    this.timer = undefined;
    const run = this.flushing.catch(() => undefined).then(() => this.write());
    this.flushing = run;
    return run;
  }

  private schedule(): void {
    if (this.timer) return;
    const timer = new AbortController();
    this.timer = timer;
    void this.clock.sleep(this.flushMs, timer.signal).then(() => {
      if (timer.signal.aborted) return;
      this.timer = undefined;
      // A failed flush keeps its deltas; the next measurement schedules another.
      this.flush().catch(() => undefined);
    });
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    const deltas: ConditionStatsRow[] = [...batch].map(([key, t]) => {
      const [tenant = '', workflowId = '', conditionKey = ''] = key.split(SEP);
      return { tenant, workflowId, conditionKey, ...t };
    });
    try {
      await this.store.addConditionStats(deltas, this.clock.now());
    } catch (error) {
      for (const [key, t] of batch) this.pending.set(key, addTotals(t, this.pending.get(key)));
      throw error;
    }
    const workflows = new Map(deltas.map((d) => [[d.tenant, d.workflowId].join(SEP), d]));
    for (const [id, d] of workflows) {
      this.loadedAt.set(id, this.clock.now());
      this.apply(d.tenant, d.workflowId, await this.store.listConditionStats(d.tenant, d.workflowId));
    }
  }

  /** The shared totals plus what this process measured since and has not written yet. */
  private apply(tenant: string, workflowId: string, rows: ConditionStatsRow[]): void {
    for (const row of rows) {
      const key = [tenant, workflowId, row.conditionKey].join(SEP);
      this.stats.set(key, addTotals(row, this.pending.get(key)));
    }
  }
}
