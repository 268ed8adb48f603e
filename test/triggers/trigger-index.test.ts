// The trigger index over occurrences: record changes match exactly as before, a second kind
// (manual, by workflow id) goes through its own matcher, and several versions of one workflow can
// sit in the index side by side.
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/definitions/compile.js';
import type { WorkflowDefinition } from '../../src/domain/workflow.js';
import type { ChangeRow } from '../../src/domain/types.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';
import { changeOccurrence, occurrenceCause, type Occurrence } from '../../src/triggers/occurrence.js';
import { TriggerIndex } from '../../src/triggers/trigger-index.js';

const types = resolveObjectTypes();
const wf = (id: string, trigger: object, version = 1) =>
  compileWorkflow({ id, name: id, object: 'deal', trigger, actions: [{ id: 's', type: 'record.update', set: { priority: '"x"' } }] } as unknown as WorkflowDefinition, types, { tenant: 't1', version });

const change = (over: Partial<ChangeRow>): ChangeRow => ({
  id: 'c1', tenant: 't1', type: 'deal', recordId: 'd1', operation: 'updated', before: { stage: 'Proposal' }, after: { stage: 'Negotiation' },
  changedFields: ['stage'], versionBefore: 1, versionAfter: 2, actor: { kind: 'user', id: 'u' }, cause: { rootChangeId: 'c1', depth: 0 }, at: 0, ...over,
});
const manual = (workflowId: string, key = 'k1'): Occurrence => ({
  kind: 'manual', tenant: 't1', key, workflowId, payload: { why: 'test' }, record: { type: 'deal', id: 'd1' }, at: 0, cause: occurrenceCause('manual', key),
});
const ids = (found: { id: string; version: number }[]) => found.map((w) => `${w.id}@${w.version}`);

describe('TriggerIndex over occurrences', () => {
  const index = new TriggerIndex([
    wf('to-neg', { on: 'field_changed', field: 'stage', to: 'Negotiation' }),
    wf('from-prop', { on: 'field_changed', field: 'stage', from: 'Proposal' }),
    wf('any-update', { on: 'updated' }),
    wf('amount-update', { on: 'updated', fields: ['amount'] }),
    wf('created', { on: 'created' }),
  ]);

  it('matches record changes by object, operation, field, from and to, as before', () => {
    expect(ids(index.match(changeOccurrence(change({}))))).toEqual(['any-update@1', 'from-prop@1', 'to-neg@1']);
    expect(ids(index.match(changeOccurrence(change({ before: { stage: 'Lead' }, after: { stage: 'Won' } }))))).toEqual(['any-update@1']);
    expect(ids(index.match(changeOccurrence(change({ changedFields: ['amount'], before: { amount: 1 }, after: { amount: 2 } }))))).toEqual(['amount-update@1', 'any-update@1']);
    expect(ids(index.match(changeOccurrence(change({ operation: 'created', before: null, after: { name: 'A' }, changedFields: ['name'] }))))).toEqual(['created@1']);
    expect(index.match(changeOccurrence(change({ type: 'contact' })))).toEqual([]);
  });

  it('reads bare change facts as a record change (graph simulations)', () => {
    const c = change({});
    expect(ids(index.match({ type: c.type, operation: c.operation, before: c.before, after: c.after, changedFields: c.changedFields })))
      .toEqual(ids(index.match(changeOccurrence(c))));
  });

  it('matches a manual occurrence to the workflow it names, and only that one', () => {
    expect(ids(index.match(manual('created')))).toEqual(['created@1']);
    expect(index.match(manual('no-such-workflow'))).toEqual([]);
  });

  it('matches nothing for kinds that have no trigger yet', () => {
    const event: Occurrence = { kind: 'event', tenant: 't1', key: 'evt-1', payload: null, at: 0, cause: occurrenceCause('event', 'evt-1') };
    expect(index.match(event)).toEqual([]);
    // A schedule's fire names its workflow version; none of these has an on: schedule trigger.
    const tick: Occurrence = { kind: 'schedule', tenant: 't1', key: 'nightly@0', workflowId: 'created', version: 1, payload: null, at: 0, cause: occurrenceCause('schedule', 'nightly@0') };
    expect(index.match(tick)).toEqual([]);
  });

  it('holds several versions of one workflow, each matched with its own version and trigger', () => {
    const both = new TriggerIndex([
      wf('route', { on: 'field_changed', field: 'stage', to: 'Negotiation' }, 2),
      wf('route', { on: 'updated' }, 1),
      wf('other', { on: 'updated' }, 1),
    ]);
    expect(ids(both.match(changeOccurrence(change({}))))).toEqual(['other@1', 'route@1', 'route@2']);
    expect(ids(both.match(changeOccurrence(change({ after: { stage: 'Won' } }))))).toEqual(['other@1', 'route@1']);
    expect(ids(both.match(manual('route')))).toEqual(['route@1', 'route@2']);
  });
});
