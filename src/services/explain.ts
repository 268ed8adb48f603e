// "Why did (or didn't) my workflow fire?" for one record: per change, every workflow of the
// record's type and what happened to it. Pure: it reads only what is stored (changes, workflow
// versions with their deploy times, the workflow's enabled state, executions with their reasons)
// plus the trigger rule of triggers/trigger-check.ts. It re-runs no condition: a condition's
// outcome is the one its execution stored. explain-service.ts does the reading.
import type { ChangeRow, ExecutionRow, ExecutionStatus, WorkflowRow, WorkflowVersionRow } from '../domain/types.js';
import type { Condition, Trigger } from '../domain/workflow.js';
import { describeTriggerMiss, triggerMiss, type TriggerPart } from '../triggers/trigger-check.js';

/** A workflow and all its stored versions. */
export interface WorkflowHistory {
  workflow: WorkflowRow;
  versions: WorkflowVersionRow[];
}

export interface ExplainInput {
  type: string;
  id: string;
  /** Newest first. */
  changes: ChangeRow[];
  /** Older changes exist than the oldest in `changes`. */
  moreChanges: boolean;
  workflows: WorkflowHistory[];
  /** The record's executions (any order); those of other occurrences are ignored. */
  executions: ExecutionRow[];
  /** False when the executions read stopped at its cap: the oldest changes may miss some. */
  executionsComplete: boolean;
}

export type Verdict =
  | 'not_deployed' // no version of the workflow existed at the change's time
  | 'trigger_not_matched' // the trigger missed (see `trigger.part`)
  | 'disabled' // the trigger matched, but the workflow was not enabled
  | 'loop_guard' // stopped before it ran by a loop guard (its execution is stored as skipped)
  | 'condition_false' // ran its conditions; one was false (see `condition`)
  | 'condition_error' // a condition could not be evaluated on the record
  | 'skipped' // skipped for another stored reason
  | 'ran' // an execution ran, runs or waits (see its status)
  | 'no_execution'; // the trigger matched and nothing explains the missing execution

export interface ExecutionLink {
  id: string;
  version: number;
  status: ExecutionStatus;
  reason: string | null;
  href: string;
}

export interface WorkflowVerdict {
  workflowId: string;
  /** The version that was active at the change (null: none yet). */
  version: number | null;
  /** How the version is known: its execution names it, or it was the last deployed before the change. */
  versionFrom: 'execution' | 'deploy_time' | 'none';
  verdict: Verdict;
  message: string;
  trigger?: { part: TriggerPart };
  guard?: 'depth' | 'budget' | 'reentry';
  condition?: { index: number; name: string; expr?: string };
  executions: ExecutionLink[];
}

export interface ChangeExplanation {
  changeId: string;
  operation: ChangeRow['operation'];
  at: string;
  versionAfter: number | null;
  changedFields: string[];
  actor: ChangeRow['actor'];
  depth: number;
  rootChangeId: string;
  workflows: WorkflowVerdict[];
}

export interface RecordExplanation {
  type: string;
  id: string;
  changes: ChangeExplanation[];
  /** Older changes exist; ask with a larger limit. */
  moreChanges: boolean;
  notes: string[];
}

/** What is not recorded, so every answer says how far it can be trusted. */
export const EXPLAIN_NOTES = [
  'the version of a workflow at a change is the one its execution ran, else the last one deployed before the change',
  'enable/disable history is not kept: "disabled" is judged from the current state and when it last changed',
];

export function explainRecord(input: ExplainInput): RecordExplanation {
  const byChange = new Map<string, ExecutionRow[]>();
  for (const e of input.executions) {
    if (e.kind !== 'workflow' || e.occurrenceKind !== 'record_change') continue;
    const list = byChange.get(e.triggerKey) ?? [];
    list.push(e);
    byChange.set(e.triggerKey, list);
  }
  const oldestRead = input.changes.at(-1);
  const notes = [...EXPLAIN_NOTES];
  if (!input.executionsComplete) notes.push('the record has more executions than explain reads: the oldest changes shown may miss some');
  const changes = input.changes.map((change): ChangeExplanation => ({
    changeId: change.id,
    operation: change.operation,
    at: new Date(change.at).toISOString(),
    versionAfter: change.versionAfter,
    changedFields: change.changedFields,
    actor: change.actor,
    depth: change.cause.depth,
    rootChangeId: change.cause.rootChangeId,
    workflows: input.workflows
      .map((h) => explainWorkflow(h, change, byChange.get(change.id)?.filter((e) => e.workflowId === h.workflow.workflowId) ?? [], input, change === oldestRead))
      .filter((v): v is WorkflowVerdict => v !== undefined)
      .sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0)),
  }));
  return { type: input.type, id: input.id, changes, moreChanges: input.moreChanges, notes };
}

/** One workflow's verdict for one change, or undefined when the workflow is not about this type. */
function explainWorkflow(h: WorkflowHistory, change: ChangeRow, executions: ExecutionRow[], input: ExplainInput, oldest: boolean): WorkflowVerdict | undefined {
  const workflowId = h.workflow.workflowId;
  const links = executions.map((e) => link(e));
  const ran = executions[0];
  if (ran) {
    const version = h.versions.find((v) => v.version === ran.version);
    return { workflowId, version: ran.version, versionFrom: 'execution', ...fromExecution(ran, version), executions: links };
  }
  const atChange = versionAt(h.versions, change.at);
  if (!atChange) {
    if (!h.versions.some((v) => objectOf(v) === input.type)) return undefined;
    const first = h.versions.reduce((a, b) => (a.createdAt <= b.createdAt ? a : b));
    return { workflowId, version: null, versionFrom: 'none', verdict: 'not_deployed', message: `not deployed yet: its first version was deployed at ${iso(first.createdAt)}`, executions: [] };
  }
  if (objectOf(atChange) !== input.type) return undefined;
  const base = { workflowId, version: atChange.version, versionFrom: 'deploy_time' as const, executions: [] };
  const trigger = (atChange.definition as { trigger?: Trigger } | null)?.trigger;
  const part = trigger ? triggerMiss(trigger, change) : 'operation';
  if (part) {
    const message = trigger ? `trigger did not match: ${describeTriggerMiss(trigger, change, part)}` : 'trigger did not match: the version has no trigger';
    return { ...base, verdict: 'trigger_not_matched', message, trigger: { part } };
  }
  const { enabled, updatedAt } = h.workflow;
  if (!enabled) {
    const message = updatedAt <= change.at
      ? `the trigger matched, but the workflow was disabled (since ${iso(updatedAt)}, before this change)`
      : `the trigger matched, but no execution exists; the workflow is disabled now (since ${iso(updatedAt)}, after this change), so it was most likely disabled then too`;
    return { ...base, verdict: 'disabled', message };
  }
  if (updatedAt > change.at) {
    return { ...base, verdict: 'no_execution', message: `the trigger matched, but no execution exists; the workflow was enabled or redeployed at ${iso(updatedAt)}, after this change, so it was most likely disabled then` };
  }
  const why = oldest && !input.executionsComplete ? ' (its execution may be older than the executions explain reads)' : '';
  return { ...base, verdict: 'no_execution', message: `the trigger matched and the workflow was enabled, but no execution was found${why}` };
}

/** What the stored execution says: its status, or the reason it was skipped (loop guard, condition). */
function fromExecution(e: ExecutionRow, version: WorkflowVersionRow | undefined): Pick<WorkflowVerdict, 'verdict' | 'message' | 'guard' | 'condition'> {
  const reason = e.reason ?? '';
  if (e.status === 'skipped') {
    // Formats written by services/loop-guard.ts and execution/condition-check.ts (test/services/explain.test.ts holds them to it).
    const guard = /^loop guard \((depth|budget|reentry)\): /.exec(reason);
    if (guard) return { verdict: 'loop_guard', guard: guard[1] as 'depth' | 'budget' | 'reentry', message: `stopped by the ${guard[1]} loop guard: ${reason.slice(guard[0].length)}` };
    const falseCondition = /^condition (\d+) is false: ([\s\S]*)$/.exec(reason);
    if (falseCondition) {
      const condition = conditionAt(version, Number(falseCondition[1]), falseCondition[2] ?? '');
      return { verdict: 'condition_false', condition, message: `condition ${condition.index} was false: ${condition.name}` };
    }
    const failed = /^condition (\d+) \(([\s\S]*?)\) could not be evaluated: /.exec(reason);
    if (failed) return { verdict: 'condition_error', condition: conditionAt(version, Number(failed[1]), failed[2] ?? ''), message: reason };
    return { verdict: 'skipped', message: `skipped: ${reason || 'no reason recorded'}` };
  }
  const detail = e.reason ? `: ${e.reason}` : '';
  return { verdict: 'ran', message: `execution ${e.status}${detail}` };
}

function conditionAt(version: WorkflowVersionRow | undefined, index: number, name: string): { index: number; name: string; expr?: string } {
  const conditions = (version?.definition as { conditions?: Condition[] } | null)?.conditions;
  const c = conditions?.[index];
  const expr = c === undefined ? undefined : typeof c === 'string' ? c : 'expr' in c ? c.expr : c.when; // a lookup: its `when`
  return { index, name, ...(expr !== undefined ? { expr } : {}) };
}

/** The version that was active at `at`: the last one deployed at or before it. */
export function versionAt(versions: readonly WorkflowVersionRow[], at: number): WorkflowVersionRow | undefined {
  let found: WorkflowVersionRow | undefined;
  for (const v of versions) if (v.createdAt <= at && (!found || v.version > found.version)) found = v;
  return found;
}

function objectOf(v: WorkflowVersionRow): string | undefined {
  return (v.definition as { object?: string } | null)?.object;
}

function link(e: ExecutionRow): ExecutionLink {
  return { id: e.id, version: e.version, status: e.status, reason: e.reason, href: `/v1/executions/${e.id}` };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
