// Property tests: random workflow sets over a small universe of objects, fields and values.
// Cycles are checked against brute-force reachability (Floyd–Warshall) on the reported edges,
// and every edge (present or absent) against the runtime TriggerIndex on concrete records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/definitions/compile.js';
import type { StepDefinition, Trigger, WorkflowDefinition } from '../../src/domain/workflow.js';
import { analyzeWorkflows } from '../../src/graph/analyze.js';
import { changedFields } from '../../src/records/change-set.js';
import { resolveObjectTypes, withoutNulls } from '../../src/records/object-types.js';
import type { Json, RecordData } from '../../src/domain/types.js';
import { TriggerIndex, type ChangeFacts } from '../../src/triggers/trigger-index.js';

const types = resolveObjectTypes();
type Kind = 'string' | 'number' | 'boolean';
const UNIVERSE: Record<string, Record<string, Kind>> = {
  lead: { owner: 'string', status: 'string', score: 'number', welcome_sent: 'boolean' },
  deal: { stage: 'string', amount: 'number' },
};
const OBJECTS = Object.keys(UNIVERSE);
type Scalar = string | number | boolean;
const DOMAIN: Record<Kind, Scalar[]> = { string: ['a', 'b'], number: [1, 2], boolean: [true, false] };
const celLiteral = (v: Json): string => (typeof v === 'number' ? v.toFixed(1) : JSON.stringify(v));
/** Compiles in any object's scope (every scope has `id`) and hides its value from the analysis. */
const OPAQUE: Record<Kind, string> = { string: 'record.id + ""', number: 'double(size(record.id))', boolean: 'size(record.id) > 3' };

/** A set expression and every value it can produce at run time (for the simulation). */
interface GenValue { source: string; values: Json[] }
interface GenStep { kind: 'update' | 'create' | 'delete'; object: string; set: Record<string, GenValue> }
interface GenWorkflow { def: WorkflowDefinition; steps: GenStep[] }

function valueArb(kind: Kind): fc.Arbitrary<GenValue> {
  const lit = fc.constantFrom(...DOMAIN[kind], null);
  return fc.oneof<fc.Arbitrary<GenValue>[]>(
    lit.map((v) => ({ source: celLiteral(v), values: [v] })),
    fc.tuple(fc.constantFrom(...DOMAIN[kind]), fc.constantFrom(...DOMAIN[kind])).map(([x, y]) => ({ source: `size(record.id) > 3 ? ${celLiteral(x)} : ${celLiteral(y)}`, values: [x, y] })),
    // Opaque: the simulation lets it produce anything, null included.
    fc.constant<GenValue>({ source: OPAQUE[kind], values: [...DOMAIN[kind], null] }),
  );
}

function setArb(object: string, minLength: number): fc.Arbitrary<Record<string, GenValue>> {
  const fields = Object.keys(UNIVERSE[object]!);
  return fc.subarray(fields, { minLength, maxLength: 2 }).chain((chosen) =>
    fc.tuple(...chosen.map((f) => valueArb(UNIVERSE[object]![f]!))).map((vals) => Object.fromEntries(chosen.map((f, i) => [f, vals[i]!]))),
  );
}

function triggerArb(object: string): fc.Arbitrary<Trigger> {
  const fields = Object.keys(UNIVERSE[object]!);
  const fieldChanged = fc.constantFrom(...fields).chain((field) => {
    const v = fc.option(fc.constantFrom(...DOMAIN[UNIVERSE[object]![field]!], null), { nil: undefined });
    return fc.tuple(v, v).map(([from, to]): Trigger => ({ on: 'field_changed', field, ...(from !== undefined && { from }), ...(to !== undefined && { to }) }));
  });
  return fc.oneof(
    fc.constantFrom<Trigger>({ on: 'created' }, { on: 'deleted' }, { on: 'updated' }),
    fc.subarray(fields, { minLength: 1 }).map((f): Trigger => ({ on: 'updated', fields: f })),
    fieldChanged,
  );
}

function stepArb(object: string): fc.Arbitrary<GenStep> {
  return fc.oneof(
    setArb(object, 1).map((set): GenStep => ({ kind: 'update', object, set })),
    fc.constantFrom(...OBJECTS).chain((target) => setArb(target, 0).map((set): GenStep => ({ kind: 'create', object: target, set }))),
    fc.constant<GenStep>({ kind: 'delete', object, set: {} }),
  );
}

function workflowArb(id: string): fc.Arbitrary<GenWorkflow> {
  return fc.constantFrom(...OBJECTS).chain((object) =>
    fc.record({
      trigger: triggerArb(object),
      steps: fc.array(stepArb(object), { minLength: 1, maxLength: 2 }),
      guard: fc.constantFrom<'none' | 'always' | 'once' | 'allow'>('none', 'always', 'once', 'allow'),
    }).map(({ trigger, steps, guard }) => {
      const actions = steps.map((s, i): StepDefinition => {
        const set = Object.fromEntries(Object.entries(s.set).map(([f, v]) => [f, v.source]));
        if (s.kind === 'update') return { id: `s${i}`, type: 'record.update', set };
        if (s.kind === 'create') return { id: `s${i}`, type: 'record.create', object: s.object, set };
        return { id: `s${i}`, type: 'record.delete' };
      });
      const def: WorkflowDefinition = { id, name: id, object, trigger, actions };
      if (guard === 'always' || guard === 'once') def.reentry = { policy: guard };
      if (guard === 'allow') def.loop = { allowCycle: 'checked by a property test' };
      return { def, steps };
    }),
  );
}

const workflowsArb = fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => workflowArb(`w${i}`))));

const compile = (def: WorkflowDefinition) => compileWorkflow(def, types, { tenant: 't1', version: 1 });

/** Every combination of one choice per list. */
function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);
}

/** Does some concrete before-record and some produced value make one of `a`'s writes fire `index`? */
function simulateFires(a: GenWorkflow, index: TriggerIndex): boolean {
  const fires = (change: ChangeFacts): boolean => index.match(change).length > 0;
  for (const step of a.steps) {
    if (step.kind === 'delete') {
      if (fires({ type: step.object, operation: 'deleted', before: {}, after: null, changedFields: [] })) return true;
      continue;
    }
    const fields = Object.keys(step.set);
    const valueChoices = product(fields.map((f) => step.set[f]!.values));
    // Before-values: any domain value, or absent (only updates have a before).
    const beforeChoices = step.kind === 'create' ? [[]] : product(fields.map((f) => [...DOMAIN[UNIVERSE[step.object]![f]!], null]));
    for (const values of valueChoices) {
      for (const befores of beforeChoices) {
        const patch = Object.fromEntries(fields.map((f, i) => [f, values[i]!]));
        if (step.kind === 'create') {
          const after = withoutNulls(patch);
          if (fires({ type: step.object, operation: 'created', before: null, after, changedFields: changedFields(null, after) })) return true;
        } else {
          const before: RecordData = withoutNulls(Object.fromEntries(fields.map((f, i) => [f, befores[i]!])));
          const after = withoutNulls({ ...before, ...patch });
          if (fires({ type: step.object, operation: 'updated', before, after, changedFields: changedFields(before, after) })) return true;
        }
      }
    }
  }
  return false;
}

describe('graph properties', () => {
  it('reported cycles are exactly the strongly connected parts of the edge relation', () => {
    fc.assert(
      fc.property(workflowsArb, (gen) => {
        const defs = gen.map((g) => g.def);
        defs.forEach(compile); // the generator only makes deployable workflows
        const report = analyzeWorkflows(defs, types);
        const ids = report.nodes.map((n) => n.id);
        const at = new Map(ids.map((id, i) => [id, i]));
        // Floyd–Warshall transitive closure over the reported edges.
        const reach = ids.map(() => ids.map(() => false));
        for (const e of report.edges) reach[at.get(e.from)!]![at.get(e.to)!] = true;
        for (let k = 0; k < ids.length; k++) for (let i = 0; i < ids.length; i++) for (let j = 0; j < ids.length; j++) {
          if (reach[i]![k] && reach[k]![j]) reach[i]![j] = true;
        }
        const cycleOf = new Map<string, number>();
        report.cycles.forEach((c, ci) => c.nodes.forEach((n) => cycleOf.set(n, ci)));
        ids.forEach((u, i) => {
          expect(cycleOf.has(u)).toBe(reach[i]![i]);
          ids.forEach((v, j) => {
            if (i === j || !cycleOf.has(u)) return;
            expect(cycleOf.get(u) === cycleOf.get(v)).toBe(reach[i]![j]! && reach[j]![i]!);
          });
        });
        const edgeSet = new Set(report.edges.map((e) => `${e.from}>${e.to}`));
        for (const c of report.cycles) {
          expect(c.path[0]).toBe(c.path[c.path.length - 1]);
          c.path.slice(1).forEach((to, i) => expect(edgeSet.has(`${c.path[i]}>${to}`)).toBe(true));
          expect(c.path.every((n) => c.nodes.includes(n))).toBe(true);
          expect(c.reasons).toHaveLength(c.path.length - 1);
          const guardedBy = gen.filter((g) => c.nodes.includes(g.def.id) && (g.def.loop?.allowCycle || g.def.reentry?.policy === 'once')).map((g) => g.def.id);
          expect(c.guardedBy).toEqual(guardedBy.sort());
          expect(c.guarded).toBe(guardedBy.length > 0);
        }
        // Chains: simple paths over edges, longer than the limit, that cannot grow at the end.
        for (const chain of report.chains) {
          expect(new Set(chain.path).size).toBe(chain.path.length);
          expect(chain.depth).toBeGreaterThan(report.maxChainDepth);
          chain.path.slice(1).forEach((to, i) => expect(edgeSet.has(`${chain.path[i]}>${to}`)).toBe(true));
          const last = chain.path[chain.path.length - 1]!;
          expect(report.edges.filter((e) => e.from === last).every((e) => chain.path.includes(e.to))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('an edge A -> B exists iff some concrete write of A makes the runtime fire B', () => {
    fc.assert(
      fc.property(workflowArb('a'), workflowArb('b'), (a, b) => {
        compile(a.def);
        const index = new TriggerIndex([compile(b.def)]);
        const report = analyzeWorkflows([a.def, b.def], types);
        const edge = report.edges.some((e) => e.from === 'a' && e.to === 'b');
        expect(edge).toBe(simulateFires(a, index));
      }),
      { numRuns: 200 },
    );
  });
});
