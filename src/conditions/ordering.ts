// Conditions run cheapest-and-most-selective first, by measured cost, not declared order: the
// expected cost of reaching a verdict is lowest when each condition is ranked by
// cost / P(false). Pure bookkeeping; the runner feeds it timings and outcomes. Lookups (outside
// calls) are ranked with the CEL checks by the same measure. execution/condition-stats.ts shares
// the totals through the store, so the ordering survives a restart and is the same in every process.

/** What has been measured of one condition. */
export interface ConditionTotals {
  runs: number;
  falses: number;
  totalMs: number;
}

export function addTotals(a: ConditionTotals | undefined, b: ConditionTotals | undefined): ConditionTotals {
  return { runs: (a?.runs ?? 0) + (b?.runs ?? 0), falses: (a?.falses ?? 0) + (b?.falses ?? 0), totalMs: (a?.totalMs ?? 0) + (b?.totalMs ?? 0) };
}

export class ConditionStats {
  protected readonly stats = new Map<string, ConditionTotals>();

  record(key: string, ms: number, result: boolean): void {
    this.stats.set(key, addTotals(this.stats.get(key), { runs: 1, falses: result ? 0 : 1, totalMs: ms }));
  }

  /** Orders items by measured rank; unmeasured items keep their written order, ahead of measured slow ones. */
  order<T>(items: T[], keyOf: (item: T) => string): T[] {
    const ranked = items.map((item, written) => ({ item, written, rank: rankOf(this.stats.get(keyOf(item))) }));
    ranked.sort((a, b) => a.rank - b.rank || a.written - b.written);
    return ranked.map((r) => r.item);
  }
}

/** Expected cost per verdict: mean time / P(false). */
export function rankOf(s: ConditionTotals | undefined): number {
  if (!s || s.runs === 0) return 0;
  const meanMs = s.totalMs / s.runs;
  // Laplace-smoothed probability of being false, so a never-false condition still ranks by cost.
  const pFalse = (s.falses + 1) / (s.runs + 2);
  return meanMs / pFalse;
}
