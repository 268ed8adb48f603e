// Strongly connected components (Tarjan) and one concrete closing path per component, so a cycle
// report can say "a -> b -> c -> a" rather than just "{a, b, c}".

export type Adjacency = ReadonlyMap<string, readonly string[]>;

/** Components in reverse topological order of the condensation; members in discovery order. */
export function stronglyConnected(nodes: readonly string[], adj: Adjacency): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];

  // Iterative, so a long chain of workflows cannot overflow the call stack.
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = adj.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** Can this component loop: more than one member, or one member with an edge to itself? */
export function isCyclic(component: readonly string[], adj: Adjacency): boolean {
  if (component.length > 1) return true;
  const only = component[0];
  return only !== undefined && (adj.get(only) ?? []).includes(only);
}

/** The shortest closed walk from `start` back to itself inside `members` (BFS), e.g. [a, b, a]. */
export function closingPath(start: string, members: ReadonlySet<string>, adj: Adjacency): string[] {
  const parent = new Map<string, string>();
  const queue: string[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of adj.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        // Walk back from v to start through BFS parents, then read it forwards.
        const back: string[] = [];
        for (let at = v; at !== start; at = parent.get(at)!) back.push(at);
        return [start, ...back.reverse(), start];
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start]; // not on a cycle; callers only ask for cyclic components
}
