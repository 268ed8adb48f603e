// The one code path from an occurrence to its executions, inside the caller's transaction: match
// it against the trigger index, read the loop guard's facts once, guard each matched version, and
// insert the executions (deduplicated by workflow, version, occurrence key and step: invariant 2).
// A record write reaches it with its change (write-path.ts); every other kind through intake.submit.
import type { CompiledWorkflow } from '../definitions/compile.js';
import { newRowId } from '../domain/ids.js';
import type { AlertRow, Json, NewExecution } from '../domain/types.js';
import type { LoopGuardQuery, StoreTx } from '../store/port.js';
import type { Occurrence } from '../triggers/occurrence.js';
import type { TenantCatalog } from './catalog.js';
import { coveringHold } from '../store/stops.js';
import { NO_FACTS, type LoopGuard } from './loop-guard.js';
import type { Outbox } from './outbox.js';

export interface QueueDeps {
  /** Decides, per matched workflow, whether to queue it or record it as stopped by a loop guard. */
  loopGuard?: LoopGuard;
}

export interface Queued {
  /** New executions inserted (queued or skipped by a guard); duplicates of earlier deliveries are not counted. */
  executions: number;
  /** Loop alerts stored with them (also put in the outbox for delivery after commit). */
  alerts: AlertRow[];
}

/**
 * Queues the executions an occurrence triggers. `causedBy` is the execution whose write raised it,
 * if any. Puts "wake workers" (when executions were queued) and the loop alerts in the outbox.
 */
export async function queueOccurrence(
  tx: StoreTx, outbox: Outbox, catalog: TenantCatalog, occurrence: Occurrence, deps: QueueDeps, pending?: PendingExecutions,
): Promise<Queued> {
  const matched = catalog.index.match(occurrence);
  if (matched.length === 0) return { executions: 0, alerts: [] };
  // One read for every matched workflow's loop guard, not one or two per workflow (invariant 3).
  const query = deps.loopGuard?.query(matched, occurrence);
  // The read must see what earlier occurrences of this transaction queued for the same record or root.
  if (query && pending?.overlaps(query)) await pending.insert(tx, outbox);
  const facts = query ? await tx.loopGuardFacts(query) : NO_FACTS;
  const rows: NewExecution[] = [];
  const alerts: AlertRow[] = [];
  let queued = 0;
  for (const wf of matched) {
    const base = newExecution(wf, occurrence);
    const guarded = deps.loopGuard ? deps.loopGuard.check(wf, occurrence, base, facts, queued) : { execution: base };
    rows.push(held(guarded.execution, catalog));
    if (guarded.execution.status !== 'skipped') queued++;
    if (guarded.alert) alerts.push(guarded.alert);
  }
  if (alerts.length > 0) await tx.insertAlerts(alerts);
  for (const alert of alerts) outbox.deliver(alert);
  if (pending) {
    pending.add(rows, queued > 0);
    return { executions: rows.length, alerts };
  }
  const inserted = await tx.insertExecutions(rows);
  if (inserted > 0 && queued > 0) outbox.wakeWorkers();
  return { executions: inserted, alerts };
}

/**
 * The executions many occurrences of one transaction queue (a chunk of an import, a scheduler's
 * due fires), inserted in one statement instead of one per occurrence. A loop-guard read that
 * could see some of them (the same record, or the same root change) inserts them first, so each
 * occurrence is guarded as if it were alone. queueOccurrence then reports the executions it
 * planned: for a record change (a fresh change id as its key, so never a duplicate) that is what
 * was inserted; a redelivered occurrence of another kind may insert fewer, which `insert` counts.
 */
export class PendingExecutions {
  private rows: NewExecution[] = [];
  private readonly scopes = new Set<string>();
  private wake = false;

  add(rows: readonly NewExecution[], queued: boolean): void {
    for (const row of rows) {
      this.rows.push(row);
      this.scopes.add(recordScope(row.tenant, row.recordType, row.recordId));
      this.scopes.add(rootScope(row.tenant, row.rootChangeId));
    }
    if (queued) this.wake = true;
  }

  /** Would a loop-guard read of `query` count executions still held here? */
  overlaps(query: LoopGuardQuery): boolean {
    if (this.rows.length === 0) return false;
    if (query.workflowIds.length > 0 && this.scopes.has(recordScope(query.tenant, query.recordType, query.recordId))) return true;
    return query.root !== undefined && this.scopes.has(rootScope(query.tenant, query.root.changeId));
  }

  /** Inserts what is held (one statement), waking workers after commit if any was queued. */
  async insert(tx: StoreTx, outbox: Outbox): Promise<number> {
    if (this.rows.length === 0) return 0;
    const rows = this.rows;
    const wake = this.wake;
    this.rows = [];
    this.scopes.clear();
    this.wake = false;
    const inserted = await tx.insertExecutions(rows);
    if (inserted > 0 && wake) outbox.wakeWorkers();
    return inserted;
  }
}

const recordScope = (tenant: string, type: string, id: string): string => JSON.stringify(['record', tenant, type, id]);
const rootScope = (tenant: string, rootChangeId: string): string => JSON.stringify(['root', tenant, rootChangeId]);

function newExecution(wf: CompiledWorkflow, o: Occurrence): NewExecution {
  const id = newRowId();
  const path = [...(o.cause.path ?? []), wf.id];
  const causedBy = o.cause.executionId ?? null;
  return {
    id,
    tenant: o.tenant,
    kind: 'workflow',
    workflowId: wf.id,
    version: wf.version,
    triggerKey: o.key,
    occurrenceKind: o.kind,
    stepId: '',
    parentId: null,
    // An occurrence without a record (a schedule's fire, an event about nothing stored) has none.
    recordType: o.record?.type ?? '',
    recordId: o.record?.id ?? '',
    lane: o.record ? laneFor(wf, o.tenant, o.record.type, o.record.id, id) : `x/${id}`,
    runAt: o.at,
    rootChangeId: o.cause.rootChangeId,
    depth: o.cause.depth,
    input: inputFor(o, causedBy, path),
    createdAt: o.at,
  };
}

/**
 * What the execution carries of its occurrence. A record change: its summary (the change itself
 * is read by trigger key). Any other kind: its payload, since nothing else stores it yet.
 */
function inputFor(o: Occurrence, causedBy: string | null, path: string[]): Json {
  if (o.kind === 'record_change') return { operation: o.change.operation, changedFields: o.change.changedFields, causedBy, path };
  return { occurrence: o.kind, key: o.key, payload: o.payload, causedBy, path };
}

/** Serial workflows share the record's lane (one at a time, invariant 4); parallel ones get their own. */
export function laneFor(wf: CompiledWorkflow, tenant: string, type: string, recordId: string, executionId: string): string {
  return wf.definition.concurrency === 'parallel' ? `x/${executionId}` : `${tenant}/${type}/${recordId}`;
}

/** Queued while a hold covers its workflow (store/stops.ts): inserted 'paused', saying who holds it and why. */
function held(execution: NewExecution, catalog: TenantCatalog): NewExecution {
  const hold = execution.status === 'skipped' ? undefined : coveringHold(catalog.holds, execution.workflowId);
  return hold ? { ...execution, status: 'paused', stoppedBy: hold.actor, stopReason: hold.reason } : execution;
}
