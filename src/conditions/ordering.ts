// Conditions run cheapest-and-most-selective first, by measured cost, not declared order: the
// expected cost of reaching a verdict is lowest when each condition is ranked by
// cost / P(false). Pure bookkeeping; the runner feeds it timings and outcomes.

interface Stats {
  runs: number;
  falses: number;
  totalMs: number;
}

export class ConditionStats {
  private readonly stats = new Map<string, Stats>();

  record(key: string, ms: number, result: boolean): void {
    const s = this.stats.get(key) ?? { runs: 0, falses: 0, totalMs: 0 };
    s.runs += 1;
    s.totalMs += ms;
    if (!result) s.falses += 1;
    this.stats.set(key, s);
  }

  /** Orders items by measured rank; unmeasured items keep their written order, ahead of measured slow ones. */
  order<T>(items: T[], keyOf: (item: T) => string): T[] {
    const ranked = items.map((item, written) => ({ item, written, rank: this.rank(keyOf(item)) }));
    ranked.sort((a, b) => a.rank - b.rank || a.written - b.written);
    return ranked.map((r) => r.item);
  }

  private rank(key: string): number {
    const s = this.stats.get(key);
    if (!s || s.runs === 0) return 0;
    const meanMs = s.totalMs / s.runs;
    // Laplace-smoothed probability of being false, so a never-false condition still ranks by cost.
    const pFalse = (s.falses + 1) / (s.runs + 2);
    return meanMs / pFalse;
  }
}
