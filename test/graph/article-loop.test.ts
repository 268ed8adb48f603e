// The article's five workflows (seed/, "Example dependency we encountered") as real definition
// files: the analysis must find their loop, and the article's fix must guard it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/definitions/compile.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import { parseDefinitionText, validateDefinitionShape } from '../../src/definitions/validate.js';
import { isSwitchyardError } from '../../src/errors.js';
import { analyzeWorkflows } from '../../src/graph/analyze.js';
import { formatReport } from '../../src/graph/format.js';
import { assertNoUnguardedCycles, unguardedCycles } from '../../src/graph/guards.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';

const types = resolveObjectTypes();
const fixtures = join(import.meta.dirname, '..', 'fixtures');

function loadDir(name: string): WorkflowDefinition[] {
  const dir = join(fixtures, name);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      const file = join(dir, f);
      const def = validateDefinitionShape(parseDefinitionText(readFileSync(file, 'utf8'), file), file);
      compileWorkflow(def, types, { tenant: 't1', version: 1, file }); // throws when a fixture drifts from the schema
      return def;
    });
}

describe('the article loop', () => {
  const report = analyzeWorkflows(loadDir('article-loop'), types);

  it('links each workflow to the next by what it writes', () => {
    expect(report.edges.map((e) => `${e.from}->${e.to}`)).toEqual([
      'assign-rep->send-welcome',
      'reassign->send-welcome',
      'reevaluate-territory->reassign',
      'send-welcome->update-score',
      'update-score->reevaluate-territory',
    ]);
    const ab = report.edges.find((e) => e.from === 'assign-rep')!;
    expect(ab.reason).toBe('assign-rep sets lead.owner to "rep-emea" or "rep-us"; send-welcome fires on lead.owner changed');
  });

  it('finds the cycle B -> C -> D -> E -> B, entered from A', () => {
    // assign-rep (A) is not on the cycle: it fires only on lead created, and no workflow creates
    // a lead. Its owner write enters the cycle at send-welcome (B), which is where the path starts.
    expect(report.cycles).toHaveLength(1);
    const [cycle] = report.cycles;
    expect(cycle!.path).toEqual(['send-welcome', 'update-score', 'reevaluate-territory', 'reassign', 'send-welcome']);
    expect(cycle!.nodes).toEqual(['reassign', 'reevaluate-territory', 'send-welcome', 'update-score']);
    expect(cycle!.guarded).toBe(false);
    expect(cycle!.reasons).toEqual([
      'send-welcome sets lead.welcome_sent to true; update-score fires on lead.welcome_sent changed to true',
      'update-score sets lead.score; reevaluate-territory fires on lead.score changed',
      'reevaluate-territory sets lead.territory to "ENTERPRISE" or "EMEA" or "US"; reassign fires on lead.territory changed',
      'reassign sets lead.owner to "rep-enterprise" or "rep-emea" or "rep-us"; send-welcome fires on lead.owner changed',
    ]);
    expect(unguardedCycles(report)).toEqual([cycle]);
  });

  it('reports the five-deep cascade from lead creation once', () => {
    expect(report.chains).toEqual([{ path: ['assign-rep', 'send-welcome', 'update-score', 'reevaluate-territory', 'reassign'], depth: 5 }]);
    expect(report.chainsTruncated).toBe(false);
    expect(analyzeWorkflows(loadDir('article-loop'), types, { maxChainDepth: 5 }).chains).toEqual([]);
  });

  it('refuses to deploy it with WORKFLOW_CYCLE', () => {
    let caught: unknown;
    try {
      assertNoUnguardedCycles(report);
    } catch (error) {
      caught = error;
    }
    expect(isSwitchyardError(caught) && caught.code).toBe('WORKFLOW_CYCLE');
    expect(String((caught as Error).message)).toContain('send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome');
  });

  it('shows the firing order per field', () => {
    expect(report.firingOrder).toContainEqual({ object: 'lead', operation: 'created', field: null, workflows: ['assign-rep'] });
    expect(report.firingOrder).toContainEqual({ object: 'lead', operation: 'updated', field: 'owner', workflows: ['send-welcome'] });
    expect(report.broadTriggers).toEqual([]);
  });
});

describe('the article loop, fixed', () => {
  const report = analyzeWorkflows(loadDir('article-loop-fixed'), types);

  it('still has the cycle, now guarded by reassign', () => {
    // The graph cannot see that the re-entry rule stops the loop, so the cycle stays, marked safe.
    expect(report.cycles).toHaveLength(1);
    expect(report.cycles[0]!.guarded).toBe(true);
    expect(report.cycles[0]!.guardedBy).toEqual(['reassign']);
    expect(unguardedCycles(report)).toEqual([]);
    expect(() => assertNoUnguardedCycles(report)).not.toThrow();
  });

  it('records what the new condition reads', () => {
    const e = report.nodes.find((n) => n.id === 'reassign')!;
    expect(e.reads.conditionFields).toEqual(['territory']);
    expect(e.reads.previousFields).toEqual(['territory']);
    expect(e.guarded).toBe(true);
  });
});

describe('formats of the article loop', () => {
  const report = analyzeWorkflows(loadDir('article-loop'), types);

  it('text puts cycles first, then chains, broad triggers and firing order', () => {
    const text = formatReport(report, 'text');
    const at = (s: string): number => text.indexOf(s);
    expect(at('Cycles: 1 (1 unguarded)')).toBeGreaterThan(0);
    expect(text).toContain('send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome  [UNGUARDED');
    expect(at('Cycles:')).toBeLessThan(at('Chains deeper than 3'));
    expect(at('Chains deeper than 3')).toBeLessThan(at('Broad triggers'));
    expect(at('Broad triggers')).toBeLessThan(at('Firing order'));
  });

  it('mermaid is a flowchart with safe node keys and the cycle highlighted', () => {
    const mermaid = formatReport(report, 'mermaid');
    const lines = mermaid.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines.filter((l) => /^ {2}n\d+\["[^"]*"\]$/.test(l))).toHaveLength(5);
    expect(lines.filter((l) => /^ {2}n\d+ -->\|"[^"|]*"\| n\d+$/.test(l))).toHaveLength(5);
    expect(mermaid).toMatch(/class (n\d+,){3}n\d+ unguarded/);
    expect(mermaid).toContain('linkStyle');
  });

  it('dot is a digraph with one statement per node and edge, and balanced quotes', () => {
    const dot = formatReport(report, 'dot');
    expect(dot.startsWith('digraph workflows {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(dot.match(/ -> /g)).toHaveLength(5);
    for (const line of dot.split('\n')) expect((line.replace(/\\"/g, '').match(/"/g) ?? []).length % 2).toBe(0);
    expect(dot).toContain('"reassign" -> "send-welcome" [label="lead.owner", tooltip="reassign sets lead.owner');
  });

  it('json parses back to the report and is byte-stable', () => {
    const json = formatReport(report, 'json');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
    const again = analyzeWorkflows([...loadDir('article-loop')].reverse(), types);
    expect(formatReport(again, 'json')).toBe(json);
  });
});
