// Hand-picked edges the analysis must keep or drop, and the smaller report sections.
import { describe, expect, it } from 'vitest';
import type { StepDefinition, Trigger, WorkflowDefinition } from '../../src/domain/workflow.js';
import { analyzeWorkflows } from '../../src/graph/analyze.js';
import { canChangeOnUpdate, canSetOnCreate } from '../../src/graph/fires.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';

const types = resolveObjectTypes();

function wf(id: string, object: string, trigger: Trigger, actions: Omit<StepDefinition, 'id'>[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return { id, name: id, object, trigger, actions: actions.map((a, i) => ({ id: `s${i}`, ...a }) as StepDefinition), ...extra };
}
const update = (set: Record<string, string>): Omit<StepDefinition, 'id'> => ({ type: 'record.update', set });
const edgesOf = (defs: WorkflowDefinition[]): string[] => analyzeWorkflows(defs, types).edges.map((e) => `${e.from}->${e.to}`);
const won = wf('b', 'deal', { on: 'field_changed', field: 'stage', to: 'Won' }, [update({ priority: '"high"' })]);

describe('literal values', () => {
  it('a write of "Lost" cannot fire a trigger on stage to "Won"; "Won" can', () => {
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ stage: '"Lost"' })]), won])).toEqual([]);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ stage: '"Won"' })]), won])).toEqual(['a->b']);
  });

  it('a computed value may be anything, so it keeps the edge', () => {
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ stage: 'record.name + " Won"' })]), won])).toEqual(['a->b']);
  });

  it('a ternary of literals fires only when a branch matches', () => {
    const lostOrOpen = wf('a', 'deal', { on: 'created' }, [update({ stage: 'record.amount > 10.0 ? "Lost" : "Open"' })]);
    const wonOrOpen = wf('a', 'deal', { on: 'created' }, [update({ stage: 'record.amount > 10.0 ? "Won" : "Open"' })]);
    expect(edgesOf([lostOrOpen, won])).toEqual([]);
    expect(edgesOf([wonOrOpen, won])).toEqual(['a->b']);
  });

  it('`from` rules out only a write of the from value itself', () => {
    const fromWon = wf('b', 'deal', { on: 'field_changed', field: 'stage', from: 'Won' }, [update({ priority: '"low"' })]);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ stage: '"Won"' })]), fromWon])).toEqual([]);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ stage: '"Lost"' })]), fromWon])).toEqual(['a->b']);
  });

  it('matches numbers across CEL int and double literals', () => {
    const at100 = wf('b', 'deal', { on: 'field_changed', field: 'amount', to: 100 }, [update({ priority: '"high"' })]);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ amount: '100' })]), at100])).toEqual(['a->b']);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ amount: '100.0' })]), at100])).toEqual(['a->b']);
    expect(edgesOf([wf('a', 'deal', { on: 'created' }, [update({ amount: '-100.0' })]), at100])).toEqual([]);
  });

  it('a null write clears the field: it can match `to: null` but never "from null"', () => {
    expect(canChangeOnUpdate([null], undefined, null)).toBe(true);
    expect(canChangeOnUpdate([null], null, undefined)).toBe(false);
    expect(canChangeOnUpdate(undefined, 'x', 'x')).toBe(false);
    expect(canSetOnCreate([null], undefined, undefined)).toBe(false);
    expect(canSetOnCreate(undefined, 'x', undefined)).toBe(false);
    expect(canSetOnCreate(undefined, null, 'x')).toBe(true);
  });

  it('writes only reach triggers on their own object type', () => {
    expect(edgesOf([wf('a', 'lead', { on: 'created' }, [update({ owner: '"x"' })]), wf('b', 'deal', { on: 'field_changed', field: 'owner' }, [update({ priority: '"x"' })])])).toEqual([]);
  });
});

describe('record.create and record.delete', () => {
  const createTask = (set: Record<string, string>): Omit<StepDefinition, 'id'> => ({ type: 'record.create', object: 'task', set });

  it('a create fires created triggers on its type and field_changed for the fields it sets', () => {
    const a = wf('a', 'deal', { on: 'created' }, [createTask({ subject: '"Call " + record.name', priority: '"high"' })]);
    const onCreated = wf('b', 'task', { on: 'created' }, [update({ status: '"open"' })]);
    const onPriorityHigh = wf('c', 'task', { on: 'field_changed', field: 'priority', to: 'high' }, [update({ status: '"hot"' })]);
    const onPriorityLow = wf('d', 'task', { on: 'field_changed', field: 'priority', to: 'low' }, [update({ status: '"cold"' })]);
    const onOwner = wf('e', 'task', { on: 'field_changed', field: 'owner' }, [update({ status: '"x"' })]);
    const onPriorityFromLow = wf('f', 'task', { on: 'field_changed', field: 'priority', from: 'low' }, [update({ status: '"x"' })]);
    const onUpdate = wf('g', 'task', { on: 'updated' }, [update({ description: '"x"' })]);
    const report = analyzeWorkflows([a, onCreated, onPriorityHigh, onPriorityLow, onOwner, onPriorityFromLow, onUpdate], types);
    expect(report.edges.filter((e) => e.from === 'a').map((e) => e.to)).toEqual(['b', 'c']);
    expect(report.edges[0]!.reason).toBe('a creates a task; b fires on task created');
    // g updates its own task, which fires g again: a self-loop.
    expect(report.cycles.map((c) => c.path)).toEqual([['g', 'g']]);
  });

  it('a delete fires only deleted triggers', () => {
    const a = wf('a', 'lead', { on: 'field_changed', field: 'status', to: 'spam' }, [{ type: 'record.delete' }]);
    const onDeleted = wf('b', 'lead', { on: 'deleted' }, [{ type: 'record.create', object: 'task', set: { subject: '"Deleted"' } }]);
    const onUpdate = wf('c', 'lead', { on: 'updated' }, [{ type: 'record.create', object: 'task', set: { subject: '"Updated"' } }]);
    expect(edgesOf([a, onDeleted, onUpdate])).toEqual(['a->b']);
  });

  it('fallback steps write too', () => {
    const a = wf('a', 'deal', { on: 'created' }, [{ type: 'record.update', set: { owner: '"x"' }, fallback: [{ type: 'record.update', set: { stage: '"Won"' } }] }]);
    const report = analyzeWorkflows([a, won], types);
    expect(report.edges.map((e) => e.causes[0]!.step)).toEqual(['s0#fallback-1']);
  });
});

describe('updated triggers', () => {
  it('updated with fields fires only when one of them is written; without fields on any update', () => {
    const writesOwner = wf('a', 'lead', { on: 'created' }, [update({ owner: '"x"' })]);
    const onScore = wf('b', 'lead', { on: 'updated', fields: ['score', 'status'] }, [{ type: 'record.create', object: 'task', set: { subject: '"s"' } }]);
    const onOwner = wf('c', 'lead', { on: 'updated', fields: ['owner'] }, [{ type: 'record.create', object: 'task', set: { subject: '"s"' } }]);
    const onAny = wf('d', 'lead', { on: 'updated' }, [{ type: 'record.create', object: 'task', set: { subject: '"s"' } }]);
    const report = analyzeWorkflows([writesOwner, onScore, onOwner, onAny], types);
    expect(report.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['a->c', 'a->d']);
    expect(report.broadTriggers.map((b) => b.workflow)).toEqual(['d']);
    expect(report.broadTriggers[0]!.advice).toContain('most specific condition possible');
    // A change of lead.owner runs c and d (broad), in id order; score runs b and d.
    expect(report.firingOrder).toContainEqual({ object: 'lead', operation: 'updated', field: 'owner', workflows: ['c', 'd'] });
    expect(report.firingOrder).toContainEqual({ object: 'lead', operation: 'updated', field: 'score', workflows: ['b', 'd'] });
    expect(report.firingOrder).toContainEqual({ object: 'lead', operation: 'updated', field: null, workflows: ['d'] });
  });

  it('disabled workflows neither fire nor write', () => {
    const a = wf('a', 'deal', { on: 'created' }, [update({ stage: '"Won"' })], { enabled: false });
    const report = analyzeWorkflows([a, won], types);
    expect(report.edges).toEqual([]);
    expect(report.nodes.map((n) => n.enabled)).toEqual([false, true]);
  });
});

describe('cycles and chains', () => {
  // w0 -> w1 -> ... -> w(n-1), each setting the field the next one watches.
  const fields = ['name', 'stage', 'owner', 'priority', 'owner_team', 'account_id', 'amount'];
  const chain = (n: number): WorkflowDefinition[] =>
    Array.from({ length: n }, (_, i) =>
      wf(`w${i}`, 'deal', i === 0 ? { on: 'created' } : { on: 'field_changed', field: fields[i - 1]! }, [update({ [fields[i]!]: fields[i] === 'amount' ? '1.0' : 'record.id' })]),
    );

  it('reports chains over maxChainDepth once, not their suffixes', () => {
    expect(analyzeWorkflows(chain(3), types).chains).toEqual([]);
    expect(analyzeWorkflows(chain(4), types).chains).toEqual([{ path: ['w0', 'w1', 'w2', 'w3'], depth: 4 }]);
    expect(analyzeWorkflows(chain(6), types, { maxChainDepth: 5 }).chains.map((c) => c.depth)).toEqual([6]);
  });

  it('caps the number of chains it reports and says so', () => {
    // Ten roots each feeding the same four-deep tail: ten chains, capped at three.
    const tail = chain(4).slice(1);
    const roots = Array.from({ length: 10 }, (_, i) => wf(`r${i}`, 'deal', { on: 'created' }, [update({ name: `"r${i}"` })]));
    const report = analyzeWorkflows([...roots, ...tail], types, { maxChains: 3 });
    expect(report.chains).toHaveLength(3);
    expect(report.chainsTruncated).toBe(true);
  });

  it('loop.allowCycle guards a cycle; reentry "always" does not', () => {
    const a = wf('a', 'deal', { on: 'field_changed', field: 'stage' }, [update({ owner: 'record.id' })], { reentry: { policy: 'always' } });
    const b = wf('b', 'deal', { on: 'field_changed', field: 'owner' }, [update({ stage: 'record.id' })]);
    expect(analyzeWorkflows([a, b], types).cycles[0]!.guarded).toBe(false);
    const safe = { ...b, loop: { allowCycle: 'stage flips owner at most once per quarter' } };
    expect(analyzeWorkflows([a, safe], types).cycles[0]).toMatchObject({ path: ['a', 'b', 'a'], guarded: true, guardedBy: ['b'] });
  });

  it('rejects duplicate workflow ids', () => {
    expect(() => analyzeWorkflows([won, won], types)).toThrow(/duplicate workflow id "b"/);
  });
});
