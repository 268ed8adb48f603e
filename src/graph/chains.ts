// Cascading chains: maximal simple paths longer than the allowed depth. The number of simple
// paths grows exponentially with the graph, so the search has a step budget and a result cap and
// says when it hit either.
import type { Adjacency } from './scc.js';
import type { GraphChain } from './types.js';

export interface ChainLimits {
  /** Report chains with more workflows than this. */
  maxDepth: number;
  maxChains: number;
  /** DFS steps over all starts before giving up. */
  budget: number;
}

/**
 * Chains start where cascades start: at workflows nothing else fires, plus one member (the
 * smallest id) of each cycle nothing outside fires. Every longest chain of a graph starts at
 * such a node, and starting only there keeps each chain from also showing up as its suffixes.
 * A chain ends when it cannot grow without repeating a workflow (cycles are reported apart).
 */
export function deepChains(components: readonly string[][], adj: Adjacency, limits: ChainLimits): { chains: GraphChain[]; truncated: boolean } {
  const componentOf = new Map<string, number>();
  components.forEach((c, i) => c.forEach((n) => componentOf.set(n, i)));
  const entered = new Set<number>();
  for (const [from, tos] of adj) {
    for (const to of tos) if (componentOf.get(from) !== componentOf.get(to)) entered.add(componentOf.get(to)!);
  }
  const starts = components
    .filter((_, i) => !entered.has(i))
    .map((c) => [...c].sort()[0]!)
    .sort();

  const chains: GraphChain[] = [];
  let steps = 0;
  let truncated = false;
  const path: string[] = [];
  const onPath = new Set<string>();

  const visit = (node: string): void => {
    if (truncated) return;
    if (++steps > limits.budget) {
      truncated = true;
      return;
    }
    path.push(node);
    onPath.add(node);
    let extended = false;
    for (const next of adj.get(node) ?? []) {
      if (onPath.has(next)) continue;
      extended = true;
      visit(next);
      if (truncated) break;
    }
    if (!extended && path.length > limits.maxDepth) {
      if (chains.length >= limits.maxChains) truncated = true;
      else chains.push({ path: [...path], depth: path.length });
    }
    path.pop();
    onPath.delete(node);
  };
  for (const start of starts) visit(start);
  return { chains, truncated };
}
