// Explain on both stores: for three records set up to hit each, it names the false condition, the
// loop guard and the disabled workflow, the trigger part that missed, and links the executions
// that ran. The explanation is computed from what is stored; nothing is re-run.
import { afterEach, describe, expect, it } from 'vitest';
import { explainRecord, versionAt, type RecordExplanation, type WorkflowVerdict } from '../../src/services/explain.js';
import type { ChangeRow, ExecutionRow, WorkflowVersionRow } from '../../src/domain/types.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';
import { setUpExplainRecords } from '../helpers/explain-fixture.js';

function verdict(answer: RecordExplanation, changeIndex: number, workflowId: string): WorkflowVerdict {
  const found = answer.changes[changeIndex]?.workflows.find((w) => w.workflowId === workflowId);
  if (!found) throw new Error(`no verdict for ${workflowId} on change ${changeIndex}: ${JSON.stringify(answer.changes[changeIndex])}`);
  return found;
}

await forEachStore('explain', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  it('names the false condition (and the trigger part that missed beside it)', async () => {
    engine = await make();
    await setUpExplainRecords(engine);
    const answer = await engine.explain.record('default', 'deal', 'deal-small');
    expect(answer.changes).toHaveLength(1);
    expect(answer.changes[0]?.workflows.map((w) => w.workflowId)).toEqual(['deal-won', 'flag-big-deals']); // deal workflows only
    const flag = verdict(answer, 0, 'flag-big-deals');
    expect(flag).toMatchObject({ verdict: 'condition_false', version: 1, versionFrom: 'execution', condition: { index: 0, name: 'big amount', expr: 'record.amount > 1000' } });
    expect(flag.message).toBe('condition 0 was false: big amount');
    expect(flag.executions).toEqual([expect.objectContaining({ status: 'skipped', href: `/v1/executions/${flag.executions[0]?.id}` })]);
    const won = verdict(answer, 0, 'deal-won');
    expect(won).toMatchObject({ verdict: 'trigger_not_matched', trigger: { part: 'to' }, version: 1, versionFrom: 'deploy_time', executions: [] });
    expect(won.message).toBe('trigger did not match: stage changed to "Proposal", not to "Closed Won"');
  });

  it('names the loop guard that stopped a workflow, newest change first', async () => {
    engine = await make();
    await setUpExplainRecords(engine);
    const answer = await engine.explain.record('default', 'lead', 'lead-1');
    // created by alice, welcome_sent set by welcome-lead, owner changed by alice: newest first.
    expect(answer.changes.map((c) => `${c.operation}:${c.changedFields.join(',')}`)).toEqual(['updated:owner', 'updated:welcome_sent', 'created:name,owner']);
    const stopped = verdict(answer, 0, 'welcome-lead');
    expect(stopped).toMatchObject({ verdict: 'loop_guard', guard: 'reentry' });
    expect(stopped.message).toBe('stopped by the reentry loop guard: already ran once for lead/lead-1; path welcome-lead');
    expect(verdict(answer, 1, 'welcome-lead')).toMatchObject({ verdict: 'trigger_not_matched', trigger: { part: 'field' }, message: 'trigger did not match: owner did not change (changed: welcome_sent)' });
    const ran = verdict(answer, 2, 'welcome-lead');
    expect(ran).toMatchObject({ verdict: 'ran', message: 'execution succeeded', executions: [expect.objectContaining({ status: 'succeeded' })] });
    expect(answer.changes[1]?.actor).toMatchObject({ kind: 'workflow', workflowId: 'welcome-lead', executionId: ran.executions[0]?.id });
  });

  it('names the disabled workflow', async () => {
    engine = await make();
    await setUpExplainRecords(engine);
    const answer = await engine.explain.record('default', 'account', 'account-1');
    const greet = verdict(answer, 0, 'greet-account');
    expect(greet).toMatchObject({ verdict: 'disabled', version: 1, executions: [] });
    expect(greet.message).toMatch(/^the trigger matched, but the workflow was disabled \(since 2026-01-01T00:00:00\.000Z, before this change\)$/);
    // Enabled again after the change: still explained, and said to be the likely reason.
    await engine.workflows.setEnabled('default', 'greet-account', true);
    engine.clock.advance(1);
    const later = verdict(await engine.explain.record('default', 'account', 'account-1'), 0, 'greet-account');
    expect(later.verdict).toBe('no_execution');
  });

  it('bounds the changes by the limit and says when older ones exist; refuses a bad limit and an unknown record', async () => {
    engine = await make();
    await setUpExplainRecords(engine);
    const two = await engine.explain.record('default', 'lead', 'lead-1', { limit: 2 });
    expect(two.changes).toHaveLength(2);
    expect(two.moreChanges).toBe(true);
    expect((await engine.explain.record('default', 'lead', 'lead-1', { limit: 3 })).moreChanges).toBe(false);
    await expect(engine.explain.record('default', 'lead', 'lead-1', { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(engine.explain.record('default', 'lead', 'lead-1', { limit: 101 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(engine.explain.record('default', 'lead', 'nobody')).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await expect(engine.explain.record('default', 'planet', 'x')).rejects.toMatchObject({ code: 'UNKNOWN_OBJECT_TYPE' });
    await expect(engine.explain.record('other-tenant', 'lead', 'lead-1')).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('a workflow deployed after the change was not deployed yet; a redeploy is judged by the version of the time', async () => {
    engine = await make();
    await engine.records.create('default', 'deal', { name: 'Early', amount: 5000 }, USER, 'deal-early');
    engine.clock.advance(1_000);
    await setUpExplainRecords(engine);
    const answer = await engine.explain.record('default', 'deal', 'deal-early');
    expect(verdict(answer, 0, 'flag-big-deals')).toMatchObject({ verdict: 'not_deployed', version: null, versionFrom: 'none' });
  });
});

describe('explain (pure): version of the time, stored reasons', () => {
  const version = (v: number, createdAt: number, definition: object): WorkflowVersionRow => ({ tenant: 't', workflowId: 'wf', version: v, definition: definition as never, hash: String(v), createdAt });
  const wfDef = (to: string) => ({ id: 'wf', object: 'deal', trigger: { on: 'field_changed', field: 'stage', to }, actions: [] });
  const change: ChangeRow = {
    id: 'c1', tenant: 't', type: 'deal', recordId: 'd', operation: 'updated', before: { stage: 'A' }, after: { stage: 'B' }, changedFields: ['stage'],
    versionBefore: 1, versionAfter: 2, actor: { kind: 'user', id: 'u' }, cause: { rootChangeId: 'c1', depth: 0 }, at: 2_000,
  };
  const workflow = { tenant: 't', workflowId: 'wf', enabled: true, latestVersion: 2, activeVersion: 2, updatedAt: 3_000 };
  const versions = [version(1, 1_000, wfDef('B')), version(2, 3_000, wfDef('C'))];

  it('the version active at a change is the last one deployed at or before it', () => {
    expect(versionAt(versions, 999)).toBeUndefined();
    expect(versionAt(versions, 2_000)?.version).toBe(1);
    expect(versionAt(versions, 3_000)?.version).toBe(2);
  });

  it('judges the trigger by the version of the time, not the current one', () => {
    const answer = explainRecord({ type: 'deal', id: 'd', changes: [change], moreChanges: false, workflows: [{ workflow, versions }], executions: [], executionsComplete: true });
    // v1 (to: B) matched; no execution, and the workflow changed after the change: most likely disabled then.
    expect(answer.changes[0]?.workflows[0]).toMatchObject({ version: 1, versionFrom: 'deploy_time', verdict: 'no_execution' });
    const atV2 = explainRecord({ type: 'deal', id: 'd', changes: [{ ...change, at: 3_500 }], moreChanges: false, workflows: [{ workflow, versions }], executions: [], executionsComplete: true });
    expect(atV2.changes[0]?.workflows[0]).toMatchObject({ version: 2, verdict: 'trigger_not_matched', trigger: { part: 'to' } });
  });

  it('reads a condition that could not be evaluated and any other skip reason from the execution', () => {
    const exec = (reason: string): ExecutionRow => ({
      id: 'e1', tenant: 't', kind: 'workflow', workflowId: 'wf', version: 1, triggerKey: 'c1', occurrenceKind: 'record_change', stepId: '', parentId: null,
      recordType: 'deal', recordId: 'd', lane: 'l', status: 'skipped', attempt: 1, runAt: 0, leaseUntil: null, workerId: null, rootChangeId: 'c1', depth: 0,
      reason, input: null, createdAt: 2_000, startedAt: null, finishedAt: null, leaseExpiries: 0,
    } as ExecutionRow);
    const run = (reason: string) => explainRecord({ type: 'deal', id: 'd', changes: [change], moreChanges: false, workflows: [{ workflow, versions }], executions: [exec(reason)], executionsComplete: true }).changes[0]?.workflows[0];
    expect(run('condition 1 (has owner) could not be evaluated: No such key: owner')).toMatchObject({ verdict: 'condition_error', condition: { index: 1, name: 'has owner' } });
    expect(run('something else')).toMatchObject({ verdict: 'skipped', message: 'skipped: something else' });
  });
});
