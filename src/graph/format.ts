// The report for people (text), for diagrams (Mermaid, Graphviz DOT) and for tools (JSON with
// sorted keys, so the same graph always prints the same bytes and diffs stay small).
import type { GraphEdge, GraphNode, GraphReport } from './types.js';

export type ReportFormat = 'text' | 'mermaid' | 'dot' | 'json';

export function formatReport(report: GraphReport, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return formatText(report);
    case 'mermaid':
      return formatMermaid(report);
    case 'dot':
      return formatDot(report);
    case 'json':
      return `${stableJson(report)}\n`;
  }
}

/** "lead created", "lead.stage changed to \"Won\"", "lead updated (any field)". */
export function triggerSummary(node: GraphNode): string {
  const r = node.reads;
  switch (r.operation) {
    case 'created':
    case 'deleted':
      return `${r.object} ${r.operation}`;
    case 'updated':
      return r.triggerFields.length === 0 ? `${r.object} updated (any field)` : `${r.object} updated (${r.triggerFields.join(', ')})`;
    case 'field_changed': {
      const from = r.from !== undefined ? ` from ${JSON.stringify(r.from)}` : '';
      const to = r.to !== undefined ? ` to ${JSON.stringify(r.to)}` : '';
      return `${r.object}.${r.triggerFields[0] ?? '?'} changed${from}${to}`;
    }
    case 'schedule':
      return 'a schedule';
    case 'date':
      return r.triggerFields.length === 0 ? `a time after ${r.object} created` : `a time relative to ${r.object}.${r.triggerFields[0] ?? '?'}`;
  }
}

function edgeLabel(edge: GraphEdge): string {
  return [...new Set(edge.causes.map((c) => c.via))].join(', ');
}

function formatText(report: GraphReport): string {
  const lines: string[] = [];
  const unguarded = report.cycles.filter((c) => !c.guarded).length;
  lines.push(`Workflow dependency graph: ${report.nodes.length} workflows, ${report.edges.length} edges`);
  lines.push('');
  lines.push(`Cycles: ${report.cycles.length} (${unguarded} unguarded)`);
  for (const cycle of report.cycles) {
    const status = cycle.guarded ? `guarded by ${cycle.guardedBy.join(', ')}` : 'UNGUARDED: deploy refuses this';
    lines.push(`  ${cycle.path.join(' -> ')}  [${status}]`);
    cycle.reasons.forEach((reason) => lines.push(`    - ${reason}`));
  }
  lines.push('');
  lines.push(`Chains deeper than ${report.maxChainDepth} workflows: ${report.chains.length}${report.chainsTruncated ? ' (search stopped at its limit; there may be more)' : ''}`);
  for (const chain of report.chains) lines.push(`  ${chain.path.join(' -> ')}  (depth ${chain.depth})`);
  lines.push('');
  lines.push(`Broad triggers: ${report.broadTriggers.length}`);
  for (const b of report.broadTriggers) lines.push(`  ${b.advice}`);
  lines.push('');
  lines.push('Firing order (runtime order: by workflow id):');
  for (const g of report.firingOrder) {
    const what = g.field ? `${g.object}.${g.field} changed` : g.operation === 'updated' ? `${g.object} updated (any field)` : `${g.object} ${g.operation}`;
    lines.push(`  ${what}: ${g.workflows.join(', ')}`);
  }
  lines.push('');
  lines.push('Edges:');
  for (const e of report.edges) lines.push(`  ${e.from} -> ${e.to}: ${e.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Members of cycles, split by whether they are guarded, for highlighting. */
function cycleMembers(report: GraphReport): { unguarded: Set<string>; guarded: Set<string>; edges: Set<string> } {
  const unguarded = new Set<string>();
  const guarded = new Set<string>();
  const edges = new Set<string>();
  for (const c of report.cycles) {
    for (const n of c.nodes) (c.guarded ? guarded : unguarded).add(n);
    const members = new Set(c.nodes);
    for (const e of report.edges) if (members.has(e.from) && members.has(e.to)) edges.add(`${e.from}\u0000${e.to}`);
  }
  return { unguarded, guarded, edges };
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/\|/g, '#124;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
}

function formatMermaid(report: GraphReport): string {
  // Workflow ids may hold "-" and ".", which Mermaid reads as edge syntax; use n0, n1, ...
  const key = new Map(report.nodes.map((n, i) => [n.id, `n${i}`]));
  const marks = cycleMembers(report);
  const lines = ['flowchart LR'];
  for (const n of report.nodes) {
    const off = n.enabled ? '' : ' (disabled)';
    lines.push(`  ${key.get(n.id)}["${mermaidText(n.id + off)}<br/>${mermaidText(triggerSummary(n))}"]`);
  }
  const cycleLinks: number[] = [];
  report.edges.forEach((e, i) => {
    lines.push(`  ${key.get(e.from)} -->|"${mermaidText(edgeLabel(e))}"| ${key.get(e.to)}`);
    if (marks.edges.has(`${e.from}\u0000${e.to}`)) cycleLinks.push(i);
  });
  lines.push('  classDef unguarded stroke:#d33,stroke-width:3px');
  lines.push('  classDef guarded stroke:#d90,stroke-width:2px');
  const klass = (set: Set<string>, name: string): void => {
    if (set.size > 0) lines.push(`  class ${[...set].map((id) => key.get(id)).join(',')} ${name}`);
  };
  klass(marks.unguarded, 'unguarded');
  klass(marks.guarded, 'guarded');
  if (cycleLinks.length > 0) lines.push(`  linkStyle ${cycleLinks.join(',')} stroke:#d33,stroke-width:2px`);
  return `${lines.join('\n')}\n`;
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function formatDot(report: GraphReport): string {
  const marks = cycleMembers(report);
  const lines = ['digraph workflows {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const n of report.nodes) {
    const color = marks.unguarded.has(n.id) ? ', color=red, penwidth=2' : marks.guarded.has(n.id) ? ', color=orange' : '';
    const style = n.enabled ? '' : ', style=dashed';
    lines.push(`  ${dotString(n.id)} [label=${dotString(`${n.id}\n${triggerSummary(n)}`)}${color}${style}];`);
  }
  for (const e of report.edges) {
    const color = marks.edges.has(`${e.from}\u0000${e.to}`) ? ', color=red' : '';
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(edgeLabel(e))}, tooltip=${dotString(e.reason)}${color}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** JSON with object keys sorted at every level; array order is the report's own (already stable). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }, 2);
}
