// Authoring friction (issue 12, item 6): int literals with number fields, the hint to quote a bare
// word, YAML syntax errors with line and column, and `on_create` on field_changed triggers.
import { describe, expect, it } from 'vitest';
import { CelScope, type CelContext } from '../../src/conditions/cel.js';
import { MAX_LITERAL_PROMOTIONS } from '../../src/conditions/authoring.js';
import { compileWorkflow } from '../../src/definitions/compile.js';
import { parseDefinitionText, validateDefinitionShape } from '../../src/definitions/validate.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import { analyzeWorkflows } from '../../src/graph/index.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';
import { triggerMiss, type ChangeFacts } from '../../src/triggers/trigger-check.js';
import { closeEngine, sqliteEngine, USER } from '../helpers/engine.js';

const types = resolveObjectTypes({ lead: { fields: { visits: { type: 'integer' } } } });
const scope = new CelScope(types.get('lead')!);
const ctx: CelContext = { record: { score: 2.5, visits: 3 }, previous: {}, changed: [], now: 0 };

function compiled(source: string): { type: string; value: unknown } {
  const result = scope.compile(source);
  if (!result.ok) throw new Error(`compile error for ${source}: ${result.error}`);
  return { type: result.program.resultType, value: result.program.evaluate(ctx) };
}

function compileError(source: string): string {
  const result = scope.compile(source);
  if (result.ok) throw new Error(`expected a compile error for ${source}`);
  return result.error;
}

describe('int literals with number (double) fields', () => {
  it('reads an int literal beside a double as the double it means, in arithmetic, equality and nested', () => {
    expect(compiled('record.score + 10')).toEqual({ type: 'double', value: 12.5 });
    expect(compiled('10 + record.score')).toEqual({ type: 'double', value: 12.5 });
    expect(compiled('record.score == 2')).toEqual({ type: 'bool', value: false });
    expect(compiled('record.score * 2 == 5')).toEqual({ type: 'bool', value: true });
    expect(compiled('record.score - -1 == 3.5')).toEqual({ type: 'bool', value: true });
    expect(compiled('record.score != 0x10')).toEqual({ type: 'bool', value: true });
    expect(compiled('has(record.score) ? record.score + 10 : 10.0')).toEqual({ type: 'double', value: 12.5 });
  });

  it('leaves int arithmetic alone', () => {
    expect(compiled('record.visits + 1')).toEqual({ type: 'int', value: 4 });
    expect(compiled('1 + 2')).toEqual({ type: 'int', value: 3 });
  });

  it('what it cannot rewrite gets an error that says exactly what to write', () => {
    expect(compileError('record.visits + record.score')).toBe('no such overload: int + double: CEL does not mix int and double; write double(record.visits) instead of record.visits');
    expect(compileError('record.score % 2')).toBe('no such overload: double % int: % works on int only; write int(record.score)');
    const many = Array.from({ length: MAX_LITERAL_PROMOTIONS + 1 }, (_, i) => `record.score * ${i + 1}`).join(' + ');
    expect(compileError(many)).toMatch(/^no such overload: double \* int: CEL does not mix int and double; write \d+\.0 instead of \d+$/);
  });

  it('met at run time through dyn (a step result is JSON: its numbers are doubles), the error says what to write', () => {
    const result = scope.compile('steps.count.result.n + 1 > 2');
    if (!result.ok) throw new Error(result.error);
    expect(() => result.program.evaluate({ ...ctx, steps: { count: { result: { n: 2 } } } })).toThrow(
      'no such overload: dyn<double> + int: CEL does not mix int and double, and numbers from JSON (step results) are doubles; write 1.0 rather than 1, or convert with double(...) or int(...)');
  });

  it('a deployed set value with an int literal fits a number field', () => {
    const def = { id: 'bump', name: 'bump', object: 'lead', trigger: { on: 'created' }, actions: [{ id: 's', type: 'record.update', set: { score: 'record.score + 10' } }] };
    expect(() => compileWorkflow(def as unknown as WorkflowDefinition, types, { tenant: 't', version: 1 })).not.toThrow();
  });
});

describe('unquoted strings', () => {
  it('an unknown variable that is a bare word gets the hint to quote it', () => {
    expect(compileError('high')).toBe(`Unknown variable: high (if you meant the text high, quote it: "high", written '"high"' in YAML)`);
    expect(compileError('High Priority')).toContain(`(if you meant the text High Priority, quote it: "High Priority", written '"High Priority"' in YAML)`);
  });

  it('reaches the deploy error with its path', () => {
    const def = { id: 'x', name: 'x', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 's', type: 'record.update', set: { priority: 'high' } }] };
    expect(() => compileWorkflow(def as unknown as WorkflowDefinition, types, { tenant: 't', version: 1 })).toThrow(/\/actions\/0\/set\/priority: .*Unknown variable: high \(if you meant the text high, quote it: "high"/);
  });
});

describe('YAML syntax errors', () => {
  it('carry the line and the column', () => {
    expect(() => parseDefinitionText('id: wf\nname: wf\nobject: deal\ntrigger: { on: created\n', 'wf.yaml')).toThrow(/^wf\.yaml: \/: line 5, column 1: /);
    expect(() => parseDefinitionText('id: wf\nid: again\n')).toThrow(/line 2, column 1: Map keys must be unique/);
    expect(() => parseDefinitionText('id: wf\nname: "unterminated\n')).toThrow(/line \d+, column \d+: Missing closing "quote/);
  });
});

describe('field_changed on create: on_create', () => {
  const created: ChangeFacts = { type: 'lead', operation: 'created', before: null, after: { owner: 'a' }, changedFields: ['owner'] };
  const updated: ChangeFacts = { type: 'lead', operation: 'updated', before: { owner: 'a' }, after: { owner: 'b' }, changedFields: ['owner'] };

  it('fires on create by default, and not with on_create: false; updates fire either way', () => {
    expect(triggerMiss({ on: 'field_changed', field: 'owner' }, created)).toBeUndefined();
    expect(triggerMiss({ on: 'field_changed', field: 'owner', on_create: true }, created)).toBeUndefined();
    expect(triggerMiss({ on: 'field_changed', field: 'owner', on_create: false }, created)).toBe('on_create');
    expect(triggerMiss({ on: 'field_changed', field: 'owner', on_create: false }, updated)).toBeUndefined();
  });

  it('is only for field_changed, and must be a boolean', () => {
    const def = (trigger: object) => ({ id: 'x', name: 'x', object: 'lead', trigger, actions: [{ id: 's', type: 'record.update', set: { status: '"x"' } }] });
    expect(() => compileWorkflow(def({ on: 'created', on_create: false }) as unknown as WorkflowDefinition, types, { tenant: 't', version: 1 })).toThrow(/\/trigger\/on_create: "on_create" only applies to on: field_changed/);
    expect(() => validateDefinitionShape(def({ on: 'field_changed', field: 'owner', on_create: 'no' }))).toThrow(/\/trigger\/on_create/);
  });

  it('the dependency graph knows a create cannot fire an updates-only trigger', () => {
    const creator = { id: 'make-lead', name: 'm', object: 'deal', trigger: { on: 'created' }, actions: [{ id: 'c', type: 'record.create', object: 'lead', set: { owner: '"rep"' } }] };
    const watcher = (onCreate: boolean) => ({ id: 'watch-owner', name: 'w', object: 'lead', trigger: { on: 'field_changed', field: 'owner', on_create: onCreate }, actions: [{ id: 's', type: 'record.update', set: { status: '"seen"' } }] });
    const edges = (onCreate: boolean) => analyzeWorkflows([creator, watcher(onCreate)] as unknown as WorkflowDefinition[], types, { maxChainDepth: 3 }).edges.map((e) => `${e.from}->${e.to}`);
    expect(edges(true)).toEqual(['make-lead->watch-owner']);
    expect(edges(false)).toEqual([]);
  });

  it('end to end: a create queues nothing for an updates-only trigger, an update does', async () => {
    const engine = await sqliteEngine();
    try {
      await engine.workflows.deploy('default', { id: 'owner-moved', name: 'o', object: 'lead', trigger: { on: 'field_changed', field: 'owner', on_create: false }, actions: [{ id: 's', type: 'record.update', set: { status: '"moved"' } }] });
      await engine.records.create('default', 'lead', { owner: 'a' }, USER, 'l1');
      expect(await engine.store.listExecutions({ tenant: 'default' })).toEqual([]);
      await engine.records.write({ op: 'patch', tenant: 'default', type: 'lead', id: 'l1', data: { owner: 'b' }, actor: USER });
      await engine.worker.drain();
      expect((await engine.records.get('default', 'lead', 'l1')).data.status).toBe('moved');
      const explained = await engine.explain.record('default', 'lead', 'l1');
      expect(explained.changes.at(-1)?.workflows[0]).toMatchObject({ verdict: 'trigger_not_matched', trigger: { part: 'on_create' } });
    } finally {
      await closeEngine(engine);
    }
  });
});
