// The dependency graph of a set of workflows: an edge A -> B when a record write of A can fire
// B's trigger, then cycles, deep chains, broad triggers and firing order on top of it. Pure.
import type { WorkflowDefinition } from '../domain/workflow.js';
import { validationError } from '../errors.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import { deepChains } from './chains.js';
import { ScopeCache, workflowReads, workflowWrites } from './effects.js';
import { fireCauses } from './fires.js';
import { isGuarded } from './guards.js';
import { closingPath, isCyclic, stronglyConnected, type Adjacency } from './scc.js';
import type { AnalyzeOptions, BroadTrigger, EdgeCause, FiringGroup, GraphCycle, GraphEdge, GraphNode, GraphReport } from './types.js';

const CHAIN_SEARCH_BUDGET = 100_000;

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function analyzeWorkflows(defs: WorkflowDefinition[], types: Map<string, ObjectTypeSpec>, options: AnalyzeOptions = {}): GraphReport {
  const maxChainDepth = options.maxChainDepth ?? 3;
  const sorted = [...defs].sort((a, b) => byString(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw validationError([{ path: '/id', message: `duplicate workflow id "${sorted[i]!.id}"` }], 'WORKFLOW_INVALID');
  }
  const scopes = new ScopeCache(types);
  const nodes: GraphNode[] = sorted.map((def) => ({
    id: def.id,
    name: def.name,
    object: def.object,
    enabled: def.enabled !== false,
    guarded: isGuarded(def),
    reads: workflowReads(def, scopes),
    writes: workflowWrites(def, scopes),
  }));
  const edges = buildEdges(nodes);
  const adj = adjacency(nodes, edges);
  const components = stronglyConnected(nodes.map((n) => n.id), adj);
  const cycles = components
    .filter((c) => isCyclic(c, adj))
    .map((c) => describeCycle(c, nodes, edges, adj))
    .sort((a, b) => byString(a.nodes[0]!, b.nodes[0]!));
  const { chains, truncated } = deepChains(components, adj, {
    maxDepth: maxChainDepth,
    maxChains: options.maxChains ?? 50,
    budget: CHAIN_SEARCH_BUDGET,
  });
  return {
    nodes,
    edges,
    cycles,
    maxChainDepth,
    chains,
    chainsTruncated: truncated,
    broadTriggers: broadTriggers(nodes),
    firingOrder: firingOrder(nodes),
  };
}

/** One edge per ordered pair, with every cause. Disabled workflows neither fire nor write. */
function buildEdges(nodes: GraphNode[]): GraphEdge[] {
  const edges: GraphEdge[] = [];
  const live = nodes.filter((n) => n.enabled);
  for (const a of live) {
    for (const b of live) {
      const causes: EdgeCause[] = [];
      for (const write of a.writes) {
        for (const c of fireCauses(write, b.reads)) {
          causes.push({ step: write.step, via: c.via, reason: `${a.id} ${c.write}; ${b.id} ${c.trigger}` });
        }
      }
      if (causes.length > 0) edges.push({ from: a.id, to: b.id, reason: [...new Set(causes.map((c) => c.reason))].join('; '), causes });
    }
  }
  return edges;
}

function adjacency(nodes: GraphNode[], edges: GraphEdge[]): Map<string, string[]> {
  const adj = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) adj.get(e.from)!.push(e.to); // edges are built in id order already
  return adj;
}

/**
 * The path starts where the cycle is entered from outside when it is (so it reads in causal
 * order: the article's loop starts at send-welcome, which assign-rep fires), else at the smallest id.
 */
function describeCycle(component: string[], nodes: GraphNode[], edges: GraphEdge[], adj: Adjacency): GraphCycle {
  const members = new Set(component);
  const sortedMembers = [...component].sort(byString);
  const entries = sortedMembers.filter((m) => edges.some((e) => e.to === m && !members.has(e.from)));
  const start = entries[0] ?? sortedMembers[0]!;
  const path = closingPath(start, members, adj);
  const reasons = path.slice(1).map((to, i) => edges.find((e) => e.from === path[i] && e.to === to)?.reason ?? '');
  const guardedBy = nodes.filter((n) => members.has(n.id) && n.guarded).map((n) => n.id);
  return { nodes: sortedMembers, path, reasons, guarded: guardedBy.length > 0, guardedBy };
}

function broadTriggers(nodes: GraphNode[]): BroadTrigger[] {
  return nodes
    .filter((n) => n.enabled && n.reads.operation === 'updated' && n.reads.triggerFields.length === 0)
    .map((n) => ({
      workflow: n.id,
      object: n.object,
      advice: `${n.id} fires on every ${n.object} update; trigger on the most specific condition possible (field_changed, or updated with fields)`,
    }));
}

/**
 * Per object: who fires on create, on delete, on any update, and on a change of each watched
 * field (field_changed, updated-with-fields and every broad `updated`, as the runtime matches
 * them all for one change). Node order is id order, which is the runtime's order.
 */
function firingOrder(nodes: GraphNode[]): FiringGroup[] {
  const groups: FiringGroup[] = [];
  const live = nodes.filter((n) => n.enabled);
  const objects = [...new Set(live.map((n) => n.object))].sort(byString);
  for (const object of objects) {
    const on = live.filter((n) => n.object === object);
    const ids = (pick: (n: GraphNode) => boolean): string[] => on.filter(pick).map((n) => n.id);
    const broad = (n: GraphNode): boolean => n.reads.operation === 'updated' && n.reads.triggerFields.length === 0;
    for (const operation of ['created', 'deleted'] as const) {
      const workflows = ids((n) => n.reads.operation === operation);
      if (workflows.length > 0) groups.push({ object, operation, field: null, workflows });
    }
    const broadIds = ids(broad);
    if (broadIds.length > 0) groups.push({ object, operation: 'updated', field: null, workflows: broadIds });
    const fields = [...new Set(on.filter((n) => !broad(n)).flatMap((n) => (n.reads.operation === 'updated' || n.reads.operation === 'field_changed' ? n.reads.triggerFields : [])))].sort(byString);
    for (const field of fields) {
      groups.push({ object, operation: 'updated', field, workflows: ids((n) => broad(n) || n.reads.triggerFields.includes(field)) });
    }
  }
  return groups;
}
