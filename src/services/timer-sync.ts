// Keeps time triggers in step with writes and deploys, inside the caller's transaction:
// - scheduleTimers: one call from the write path per change. For each `on: date` workflow on the
//   record's type: a create or an anchor change (re)computes the record's timer (the anchor moved:
//   the timer moves), a cleared anchor or a delete cancels it with the reason. Other writes cost
//   nothing here; one upsert per date workflow when the anchor is touched.
// - syncSchedule: a deploy, enable or disable puts the workflow's schedule row right.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { ChangeRow } from '../domain/types.js';
import type { ScheduleRow, TimerRow } from '../domain/time-triggers.js';
import { fireKey, nextFire, timerDue } from '../scheduling/fire-times.js';
import { ON_TIME_MS } from '../scheduling/missed-fires.js';
import type { StoreTx } from '../store/port.js';
import type { TenantCatalog } from './catalog.js';

export interface TimerDeps {
  clock: { now(): number };
}

/** The source id of a record's timer: the occurrence keys of its fires start with it. */
export function timerSource(t: { workflowId: string; version: number; recordType: string; recordId: string }): string {
  return `timer:${t.workflowId}:v${t.version}:${t.recordType}/${t.recordId}`;
}

/** The source id of a workflow's schedule. */
export function scheduleSource(workflowId: string): string {
  return `schedule:${workflowId}`;
}

/** Keeps the record's timers in step with one committed change (see the file comment). */
export async function scheduleTimers(tx: StoreTx, catalog: TenantCatalog, change: ChangeRow, deps: TimerDeps): Promise<void> {
  const watching = catalog.index.time.dateTriggers(change.type);
  if (watching.length === 0) return;
  const now = deps.clock.now();
  if (change.operation === 'deleted' || !change.after) {
    await tx.timers.cancelTimers(change.tenant, change.type, change.recordId, watching.map((w) => w.id), `the ${change.type} was deleted`, now);
    return;
  }
  for (const wf of watching) {
    const t = wf.time;
    if (t?.kind !== 'date') continue;
    const anchorField = 'field' in t.anchor ? t.anchor.field : undefined;
    const touched = change.operation === 'created' || (anchorField !== undefined && change.changedFields.includes(anchorField));
    if (!touched) continue;
    const due = timerDue(t, { data: change.after, createdAt: change.at });
    const key = { tenant: change.tenant, workflowId: wf.id, version: wf.version, recordType: change.type, recordId: change.recordId };
    if ('cancelled' in due) {
      await tx.timers.cancelTimers(change.tenant, change.type, change.recordId, [wf.id], due.cancelled, now);
      continue;
    }
    // Due before it could be scheduled (a close date already past): never missed, never run.
    const past = due.dueAt < now - ON_TIME_MS;
    const row: TimerRow = {
      ...key, dueAt: due.dueAt, anchor: due.anchor, status: past ? 'skipped' : 'scheduled',
      reason: past ? `due ${new Date(due.dueAt).toISOString()}, before the write that set it` : null, updatedAt: now,
    };
    if (await tx.timers.upsertTimer(row)) {
      // A timer of another version of this workflow for the record is replaced by this one (version 1 has none).
      if (wf.version > 1) await tx.timers.cancelTimers(change.tenant, change.type, change.recordId, [wf.id], `replaced by version ${wf.version}`, now, wf.version);
      if (past) {
        await tx.timers.insertSkippedFires([{
          ...key, key: fireKey(timerSource(key), due.dueAt), kind: 'timer', dueAt: due.dueAt, reason: row.reason as string, recordedAt: now,
        }]);
      }
    }
  }
}

/**
 * Puts the workflow's schedule row right after a deploy, enable or disable: the active version
 * of an enabled schedule workflow is 'active' from its next fire after now (a redeploy keeps the
 * fires it already handled: nothing before now fires again); anything else is 'paused'.
 */
export async function syncSchedule(tx: StoreTx, tenant: string, wf: CompiledWorkflow | undefined, workflowId: string, enabled: boolean, now: number): Promise<void> {
  const existing = await tx.timers.lockSchedule(tenant, workflowId);
  const spec = wf?.time?.kind === 'schedule' ? wf.time : undefined;
  if (!spec || !enabled || !wf) {
    if (existing && existing.status !== 'paused') await tx.timers.putSchedule({ ...existing, status: 'paused', fanout: null, updatedAt: now });
    return;
  }
  const unchanged = existing && existing.status === 'active' && existing.version === wf.version;
  if (unchanged) return;
  const next = nextFire(spec, now);
  const row: ScheduleRow = {
    tenant, workflowId, version: wf.version, status: next === undefined ? 'paused' : 'active',
    nextFireAt: next ?? now, lastFireAt: existing?.lastFireAt ?? null, fanout: null, updatedAt: now,
  };
  await tx.timers.putSchedule(row);
}

