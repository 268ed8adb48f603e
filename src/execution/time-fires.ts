// What one scheduler transaction does with the due rows it claimed: decide (scheduling/, pure),
// then submit the fires that run through the intake together (submitMany: one insert for all),
// each as a `schedule` or `timer` occurrence with a deterministic key ("<source>@<ISO due time>"), record each fire that does not run, and move the
// rows on. Submitting a key again queues nothing (the executions' dedup key holds it), so a
// transaction redone after a crash, or by another process, fires nothing twice.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { CompiledSchedule } from '../definitions/time-trigger.js';
import type { ScheduleRow, SkippedFireRow, TimerRow } from '../domain/time-triggers.js';
import type { RecordRow } from '../domain/types.js';
import { fireKey, nextFire } from '../scheduling/fire-times.js';
import { decideScheduleFires, decideTimerFire } from '../scheduling/missed-fires.js';
import { formatLocal } from '../scheduling/zoned-time.js';
import type { TenantCatalog } from '../services/catalog.js';
import { submitMany } from '../services/intake.js';
import type { QueueDeps } from '../services/occurrence-queue.js';
import type { Outbox } from '../services/outbox.js';
import { scheduleSource, timerSource } from '../services/timer-sync.js';
import type { StoreTx } from '../store/port.js';
import type { TimerKey } from '../store/timers-port.js';
import { occurrenceCause, type TimeOccurrence } from '../triggers/occurrence.js';

/** The tenant's catalog, loaded before the transaction (a read inside it could wait on itself). */
export type CatalogOf = (tenant: string) => TenantCatalog;

export interface FireContext {
  tx: StoreTx;
  outbox: Outbox;
  catalogOf: CatalogOf;
  deps: QueueDeps;
  now: number;
}

function occurrence(kind: 'schedule' | 'timer', wf: CompiledWorkflow, key: string, now: number, payload: Record<string, string>, record?: { type: string; id: string }): TimeOccurrence {
  return { kind, tenant: wf.tenant, key, workflowId: wf.id, version: wf.version, payload, record, at: now, cause: occurrenceCause(kind, key) };
}

function activeVersion(catalog: TenantCatalog, kind: 'schedule' | 'timer', workflowId: string, version: number): CompiledWorkflow | undefined {
  return catalog.index.match({ kind, tenant: '', key: '', workflowId, version, payload: null, at: 0, cause: { rootChangeId: '', depth: 0 } })[0];
}

/** Fires (or records as skipped) the due fires of claimed schedules, and moves each to its next fire. */
export async function fireSchedules(c: FireContext, rows: ScheduleRow[]): Promise<number> {
  let fired = 0;
  const skipped: SkippedFireRow[] = [];
  const occurrences: TimeOccurrence[] = [];
  for (const row of rows) {
    const wf = activeVersion(c.catalogOf(row.tenant), 'schedule', row.workflowId, row.version);
    const spec = wf?.time?.kind === 'schedule' ? wf.time : undefined;
    if (!wf || !spec) {
      // Not the active version any more (a deploy moves the row; this is a leftover): stop it.
      await c.tx.timers.putSchedule({ ...row, status: 'paused', updatedAt: c.now });
      continue;
    }
    const source = scheduleSource(row.workflowId);
    const decision = decideScheduleFires(spec.missed, row.nextFireAt, c.now, (t) => nextFire(spec, t));
    const skip = (dueAt: number, reason: string, key = fireKey(source, dueAt)): void => {
      skipped.push({ tenant: row.tenant, key, kind: 'schedule', workflowId: row.workflowId, version: row.version, recordType: '', recordId: '', dueAt, reason, recordedAt: c.now });
    };
    for (const s of decision.skip) skip(s.dueAt, s.reason);
    if (decision.skippedRange) {
      const { from, to, count } = decision.skippedRange;
      skip(from, `${count} more fires from ${new Date(from).toISOString()} to ${new Date(to).toISOString()} missed (too many to list one by one)`, `${fireKey(source, from)}..${new Date(to).toISOString()}`);
    }
    let run = decision.run;
    if (spec.forEach && run.length > 1) {
      // One fan-out at a time: the latest fire fans out, the earlier ones are recorded.
      for (const t of run.slice(0, -1)) skip(t, 'a for_each schedule fans out one fire at a time; a later fire ran');
      run = run.slice(-1);
    }
    let fanout: ScheduleRow['fanout'] = null;
    for (const t of run) {
      if (spec.forEach) fanout = { fireAt: t, afterId: '' };
      else {
        const payload = { dueAt: new Date(t).toISOString(), local: formatLocal(t, spec.timezone) };
        occurrences.push(occurrence('schedule', wf, fireKey(source, t), c.now, payload));
      }
      fired++;
    }
    await c.tx.timers.putSchedule({
      ...row, status: decision.next === undefined ? 'paused' : 'active', nextFireAt: decision.next ?? row.nextFireAt,
      lastFireAt: run.at(-1) ?? row.lastFireAt, fanout, updatedAt: c.now,
    });
  }
  await submitMany(c.tx, c.outbox, c.catalogOf, occurrences, c.deps);
  await c.tx.timers.insertSkippedFires(skipped);
  return fired;
}

/**
 * One chunk of a `for_each` fire: each record of the page that passes `where` gets its own
 * occurrence ("<fire key>/<type>/<id>"), and the row remembers how far the fan-out got. Returns
 * false when the row moved on meanwhile (another process did this chunk): nothing was done.
 */
export async function fanOutChunk(c: FireContext, seen: ScheduleRow, page: RecordRow[], pageSize: number): Promise<boolean> {
  const row = await c.tx.timers.lockSchedule(seen.tenant, seen.workflowId);
  if (!row?.fanout || !seen.fanout || row.fanout.fireAt !== seen.fanout.fireAt || row.fanout.afterId !== seen.fanout.afterId) return false;
  const catalog = c.catalogOf(row.tenant);
  const wf = activeVersion(catalog, 'schedule', row.workflowId, row.version);
  const spec: CompiledSchedule | undefined = wf?.time?.kind === 'schedule' ? wf.time : undefined;
  if (!wf || !spec?.forEach) {
    await c.tx.timers.putSchedule({ ...row, fanout: null, updatedAt: c.now });
    return true;
  }
  const fireAt = row.fanout.fireAt;
  const payload = { dueAt: new Date(fireAt).toISOString(), local: formatLocal(fireAt, spec.timezone) };
  const occurrences: TimeOccurrence[] = [];
  for (const record of page) {
    if (spec.forEach.where && !passes(spec.forEach.where, record, c.now)) continue;
    const key = `${fireKey(scheduleSource(row.workflowId), fireAt)}/${record.type}/${record.id}`;
    occurrences.push(occurrence('schedule', wf, key, c.now, payload, { type: record.type, id: record.id }));
  }
  await submitMany(c.tx, c.outbox, () => catalog, occurrences, c.deps);
  const last = page.at(-1);
  const done = page.length < pageSize || !last;
  await c.tx.timers.putSchedule({ ...row, fanout: done ? null : { fireAt, afterId: last.id }, updatedAt: c.now });
  return true;
}

function passes(where: { evaluate(context: { record: Record<string, unknown>; previous: Record<string, unknown>; changed: string[]; now: number }): unknown }, record: RecordRow, now: number): boolean {
  try {
    return where.evaluate({ record: { ...record.data, id: record.id }, previous: {}, changed: [], now }) === true;
  } catch {
    return false; // reads a field the record does not have: not a match, as a condition would be
  }
}

/** Fires the claimed due timers (conditions run later, on the record as it is then) or records them skipped. */
export async function fireTimers(c: FireContext, rows: TimerRow[]): Promise<number> {
  const fired: TimerKey[] = [];
  const skippedKeys = new Map<string, TimerKey[]>();
  const skipped: SkippedFireRow[] = [];
  const occurrences: TimeOccurrence[] = [];
  for (const row of rows) {
    const source = timerSource(row);
    const key = fireKey(source, row.dueAt);
    const wf = activeVersion(c.catalogOf(row.tenant), 'timer', row.workflowId, row.version);
    const t = wf?.time?.kind === 'date' ? wf.time : undefined;
    const decision = wf && t ? decideTimerFire(t.missed, row.dueAt, c.now) : { run: false as const, reason: `workflow ${row.workflowId} version ${row.version} is not active (disabled or replaced)` };
    if (!decision.run || !wf) {
      const reason = decision.run ? 'not active' : decision.reason;
      skippedKeys.set(reason, [...(skippedKeys.get(reason) ?? []), row]);
      skipped.push({ ...keyOf(row), key, kind: 'timer', dueAt: row.dueAt, reason, recordedAt: c.now });
      continue;
    }
    const payload = { dueAt: new Date(row.dueAt).toISOString(), anchor: row.anchor };
    occurrences.push(occurrence('timer', wf, key, c.now, payload, { type: row.recordType, id: row.recordId }));
    fired.push(keyOf(row));
  }
  await submitMany(c.tx, c.outbox, c.catalogOf, occurrences, c.deps);
  await c.tx.timers.finishTimers(fired, 'fired', null, c.now);
  for (const [reason, keys] of skippedKeys) await c.tx.timers.finishTimers(keys.map(keyOf), 'skipped', reason, c.now);
  await c.tx.timers.insertSkippedFires(skipped);
  return fired.length;
}

function keyOf(r: TimerKey): TimerKey {
  return { tenant: r.tenant, workflowId: r.workflowId, version: r.version, recordType: r.recordType, recordId: r.recordId };
}
