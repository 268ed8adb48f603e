// The one path every record write takes, from the API, an import or a workflow's data step:
// in one transaction, check the version, validate, write the record, append the change with its
// cause, and queue the executions its triggers match (invariants 1, 2, 4, 9). No workflow runs here.
// A write is "record + change + a record_change occurrence": the occurrence goes through the same
// matching, loop guard and insert as every other kind (occurrence-queue.ts). The caller flushes the
// outbox (wake-ups, loop alerts) once the transaction committed.
import type { Clock } from '../clock.js';
import { SwitchyardError } from '../errors.js';
import { changedFields } from '../records/change-set.js';
import { withoutNulls } from '../records/object-types.js';
import type { StoreTx } from '../store/port.js';
import { newRowId } from '../domain/ids.js';
import type { Actor, AlertRow, Cause, ChangeRow, Json, RecordData, RecordRow } from '../domain/types.js';
import { changeOccurrence } from '../triggers/occurrence.js';
import { CatalogStaleError, type TenantCatalog } from './catalog.js';
import type { LoopGuard } from './loop-guard.js';
import { queueOccurrence, type PendingExecutions } from './occurrence-queue.js';
import type { Outbox } from './outbox.js';
import { scheduleTimers } from './timer-sync.js';

export type WriteOperation =
  | { op: 'create'; data: Record<string, Json> }
  /** Field-level patch on the current version; with expectedVersion, only if still current. */
  | { op: 'patch'; data: Record<string, Json>; expectedVersion?: number }
  /** Full replace: needs the version it read. */
  | { op: 'replace'; data: Record<string, Json>; expectedVersion: number }
  | { op: 'delete'; expectedVersion?: number };

export type WriteCommand = WriteOperation & {
  tenant: string;
  type: string;
  id: string;
  actor: Actor;
  /** The causing chain; absent for a user's write, which starts its own chain. */
  parent?: Omit<Cause, 'depth'> & { depth: number };
};

export interface WriteResult {
  record: RecordRow | null;
  change: ChangeRow | null;
  executions: number;
  /** Loop alerts the write stored; they are in the outbox, delivered when it is flushed after commit. */
  alerts: AlertRow[];
}

export interface WriteDeps {
  clock: Clock;
  /** Decides, per matched workflow, whether to queue it or record it as stopped by a loop guard. */
  loopGuard?: LoopGuard;
}

/** One write in the caller's transaction; its after-commit work goes into `outbox`. */
export async function applyWrite(tx: StoreTx, catalog: TenantCatalog, cmd: WriteCommand, deps: WriteDeps, outbox: Outbox): Promise<WriteResult> {
  await checkCatalog(tx, catalog, cmd.tenant);
  return writeRecord(tx, catalog, cmd, deps, outbox);
}

/** Throws CatalogStaleError (the caller reloads and retries) when a deploy moved the tenant's catalog. */
export async function checkCatalog(tx: StoreTx, catalog: TenantCatalog, tenant: string): Promise<void> {
  if ((await tx.getCatalogRevision(tenant)) !== catalog.revision) throw new CatalogStaleError();
}

/** applyWrite without the catalog check: for a caller that checked it once for many writes. */
export async function writeRecord(
  tx: StoreTx, catalog: TenantCatalog, cmd: WriteCommand, deps: WriteDeps, outbox: Outbox, pending?: PendingExecutions,
): Promise<WriteResult> {
  const now = deps.clock.now();
  const current = await tx.getRecordForUpdate(cmd.tenant, cmd.type, cmd.id);
  if ('expectedVersion' in cmd && cmd.expectedVersion !== undefined && current && current.version !== cmd.expectedVersion) {
    throw conflict(cmd, current.version);
  }

  let after: RecordRow | null;
  if (cmd.op === 'create') {
    if (current) throw new SwitchyardError('RECORD_EXISTS', `${cmd.type} ${cmd.id} already exists`, { problems: [{ path: '/id', message: 'already exists' }] });
    // The tenant's types as of the catalog revision checked in this transaction (an API change to
    // an object type bumps it), so a field added in any process is known to the next write.
    const data = withoutNulls(catalog.validator.checkPayload(cmd.type, cmd.data) as Record<string, Json>);
    catalog.validator.checkRecord(cmd.type, cmd.id, data, now);
    after = { tenant: cmd.tenant, type: cmd.type, id: cmd.id, version: 1, data, createdAt: now, updatedAt: now };
    await tx.insertRecord(after);
  } else {
    if (!current) throw new SwitchyardError('RECORD_NOT_FOUND', `${cmd.type} ${cmd.id} does not exist`);
    if (cmd.op === 'delete') {
      if (!(await tx.deleteRecord(cmd.tenant, cmd.type, cmd.id, current.version))) throw conflict(cmd, current.version);
      after = null;
    } else {
      const payload = catalog.validator.checkPayload(cmd.type, cmd.data) as Record<string, Json>;
      const data = withoutNulls(cmd.op === 'patch' ? { ...current.data, ...payload } : payload);
      if (changedFields(current.data, data).length === 0) return { record: current, change: null, executions: 0, alerts: [] };
      catalog.validator.checkRecord(cmd.type, cmd.id, data, now);
      after = { ...current, version: current.version + 1, data, updatedAt: now };
      if (!(await tx.updateRecord(after, current.version))) throw conflict(cmd, current.version);
    }
  }

  const change = buildChange(cmd, current, after, now);
  await tx.appendChange(change);
  // Relative-date timers of the record follow its anchor fields (timer-sync.ts); nothing when no date trigger watches the type.
  await scheduleTimers(tx, catalog, change, deps);
  const { executions, alerts } = await queueOccurrence(tx, outbox, catalog, changeOccurrence(change), deps, pending);
  return { record: after, change, executions, alerts };
}

function buildChange(cmd: WriteCommand, before: RecordRow | undefined, after: RecordRow | null, now: number): ChangeRow {
  const id = newRowId();
  const cause: Cause = cmd.parent
    ? { ...cmd.parent, depth: cmd.parent.depth + 1 }
    : { rootChangeId: id, depth: 0 };
  const beforeData: RecordData | null = before ? before.data : null;
  const afterData: RecordData | null = after ? after.data : null;
  return {
    id,
    tenant: cmd.tenant,
    type: cmd.type,
    recordId: cmd.id,
    operation: cmd.op === 'create' ? 'created' : cmd.op === 'delete' ? 'deleted' : 'updated',
    before: beforeData,
    after: afterData,
    changedFields: changedFields(beforeData, afterData),
    versionBefore: before?.version ?? null,
    versionAfter: after?.version ?? null,
    actor: cmd.actor,
    cause,
    at: now,
  };
}

function conflict(cmd: WriteCommand, currentVersion: number): SwitchyardError {
  return new SwitchyardError('VERSION_CONFLICT', `${cmd.type} ${cmd.id} is at version ${currentVersion}, not ${'expectedVersion' in cmd ? String(cmd.expectedVersion) : '?'}`, {
    extra: { currentVersion },
  });
}
