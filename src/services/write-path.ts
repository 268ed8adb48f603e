// The one path every record write takes, from the API, an import or a workflow's data step:
// in one transaction, check the version, validate, write the record, append the change with its
// cause, and insert the executions its triggers match (invariants 1, 2, 4, 9). No workflow runs here.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { SwitchyardError } from '../errors.js';
import { changedFields } from '../records/change-set.js';
import { withoutNulls } from '../records/object-types.js';
import type { RecordValidator } from '../records/validator.js';
import type { StoreTx } from '../store/port.js';
import type { Actor, AlertRow, Cause, ChangeRow, Json, NewExecution, RecordData, RecordRow } from '../store/types.js';
import type { CompiledWorkflow } from '../definitions/compile.js';
import { CatalogStaleError, type TenantCatalog } from './catalog.js';
import { NO_FACTS, type LoopGuard } from '../execution/loop-guard.js';

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
  /** Loop alerts the write stored; the caller delivers them once the transaction committed. */
  alerts: AlertRow[];
}

export interface WriteDeps {
  clock: Clock;
  validator: RecordValidator;
  /** Decides, per matched workflow, whether to queue it or record it as stopped by a loop guard. */
  loopGuard?: LoopGuard;
}

export async function applyWrite(tx: StoreTx, catalog: TenantCatalog, cmd: WriteCommand, deps: WriteDeps): Promise<WriteResult> {
  if ((await tx.getCatalogRevision(cmd.tenant)) !== catalog.revision) throw new CatalogStaleError();
  const now = deps.clock.now();
  const current = await tx.getRecordForUpdate(cmd.tenant, cmd.type, cmd.id);
  if ('expectedVersion' in cmd && cmd.expectedVersion !== undefined && current && current.version !== cmd.expectedVersion) {
    throw conflict(cmd, current.version);
  }

  let after: RecordRow | null;
  if (cmd.op === 'create') {
    if (current) throw new SwitchyardError('RECORD_EXISTS', `${cmd.type} ${cmd.id} already exists`, { problems: [{ path: '/id', message: 'already exists' }] });
    const data = withoutNulls(deps.validator.checkPayload(cmd.type, cmd.data) as Record<string, Json>);
    deps.validator.checkRecord(cmd.type, cmd.id, data, now);
    after = { tenant: cmd.tenant, type: cmd.type, id: cmd.id, version: 1, data, createdAt: now, updatedAt: now };
    await tx.insertRecord(after);
  } else {
    if (!current) throw new SwitchyardError('RECORD_NOT_FOUND', `${cmd.type} ${cmd.id} does not exist`);
    if (cmd.op === 'delete') {
      if (!(await tx.deleteRecord(cmd.tenant, cmd.type, cmd.id, current.version))) throw conflict(cmd, current.version);
      after = null;
    } else {
      const payload = deps.validator.checkPayload(cmd.type, cmd.data) as Record<string, Json>;
      const data = withoutNulls(cmd.op === 'patch' ? { ...current.data, ...payload } : payload);
      if (changedFields(current.data, data).length === 0) return { record: current, change: null, executions: 0, alerts: [] };
      deps.validator.checkRecord(cmd.type, cmd.id, data, now);
      after = { ...current, version: current.version + 1, data, updatedAt: now };
      if (!(await tx.updateRecord(after, current.version))) throw conflict(cmd, current.version);
    }
  }

  const change = buildChange(cmd, current, after, now);
  await tx.appendChange(change);
  const { executions, alerts } = await queueExecutions(tx, catalog, change, cmd, deps);
  return { record: after, change, executions, alerts };
}

function buildChange(cmd: WriteCommand, before: RecordRow | undefined, after: RecordRow | null, now: number): ChangeRow {
  const id = randomUUID();
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

async function queueExecutions(tx: StoreTx, catalog: TenantCatalog, change: ChangeRow, cmd: WriteCommand, deps: WriteDeps): Promise<{ executions: number; alerts: AlertRow[] }> {
  const matched = catalog.index.match(change);
  if (matched.length === 0) return { executions: 0, alerts: [] };
  // One read for every matched workflow's loop guard, not one or two per workflow (invariant 3).
  const query = deps.loopGuard?.query(matched, change);
  const facts = query ? await tx.loopGuardFacts(query) : NO_FACTS;
  const rows: NewExecution[] = [];
  const alerts: AlertRow[] = [];
  let queued = 0;
  for (const wf of matched) {
    const id = randomUUID();
    const base: NewExecution = {
      id,
      tenant: change.tenant,
      kind: 'workflow',
      workflowId: wf.id,
      version: wf.version,
      triggerKey: change.id,
      stepId: '',
      parentId: null,
      recordType: change.type,
      recordId: change.recordId,
      lane: laneFor(wf, change.tenant, change.type, change.recordId, id),
      runAt: change.at,
      rootChangeId: change.cause.rootChangeId,
      depth: change.cause.depth,
      input: { operation: change.operation, changedFields: change.changedFields, causedBy: cmd.parent?.executionId ?? null, path: [...(change.cause.path ?? []), wf.id] },
      createdAt: change.at,
    };
    const guarded = deps.loopGuard ? deps.loopGuard.check(wf, change, base, facts, queued) : { execution: base };
    rows.push(guarded.execution);
    if (guarded.execution.status !== 'skipped') queued++;
    if (guarded.alert) alerts.push(guarded.alert);
  }
  if (alerts.length > 0) await tx.insertAlerts(alerts);
  return { executions: await tx.insertExecutions(rows), alerts };
}

/** Serial workflows share the record's lane (one at a time, invariant 4); parallel ones get their own. */
export function laneFor(wf: CompiledWorkflow, tenant: string, type: string, recordId: string, executionId: string): string {
  return wf.definition.concurrency === 'parallel' ? `x/${executionId}` : `${tenant}/${type}/${recordId}`;
}

function conflict(cmd: WriteCommand, currentVersion: number): SwitchyardError {
  return new SwitchyardError('VERSION_CONFLICT', `${cmd.type} ${cmd.id} is at version ${currentVersion}, not ${'expectedVersion' in cmd ? String(cmd.expectedVersion) : '?'}`, {
    extra: { currentVersion },
  });
}
