// Row builders and small helpers shared by the contract suite. Times are fixed epoch ms: the
// store never reads a clock, so tests move time by passing `now`.
import type { Store } from '../../src/store/port.js';
import type { ChangeRow, ExecutionRow, NewExecution, RecordData, RecordRow, WorkflowRow, WorkflowVersionRow } from '../../src/domain/types.js';

export const T0 = 1_700_000_000_000;
export const LEASE_MS = 30_000;

/** One harness for a backend: open() gives an empty, migrated store; openPeer() another process on the same database. */
export interface StoreHarness {
  open(): Promise<Store>;
  /** Present for backends shared by several processes (PostgreSQL). */
  openPeer?(): Promise<Store>;
}

let counter = 0;
const next = (): number => ++counter;

export function newRecord(tenant: string, id: string, data: RecordData = {}, version = 1, type = 'deal'): RecordRow {
  return { tenant, type, id, version, data, createdAt: T0, updatedAt: T0 };
}

export function newChange(record: RecordRow, overrides: Partial<ChangeRow> = {}): ChangeRow {
  const id = `chg-${next()}`;
  return {
    id, tenant: record.tenant, type: record.type, recordId: record.id, operation: 'created',
    before: null, after: record.data, changedFields: Object.keys(record.data),
    versionBefore: null, versionAfter: record.version,
    actor: { kind: 'user', id: 'alice' }, cause: { rootChangeId: id, depth: 0 }, at: T0, ...overrides,
  };
}

export interface ExecutionSpec extends Partial<NewExecution> { tenant: string }

/** A new execution; lane defaults to the record's tenant/type/id, the key to a unique trigger. */
export function newExecution(spec: ExecutionSpec): NewExecution {
  const n = next();
  const recordType = spec.recordType ?? 'deal';
  const recordId = spec.recordId ?? `rec-${n}`;
  return {
    id: `exe-${n}`, kind: 'workflow', workflowId: 'wf', version: 1, triggerKey: `chg-${n}`, occurrenceKind: 'record_change', stepId: '', parentId: null,
    recordType, recordId, lane: `${spec.tenant}/${recordType}/${recordId}`, runAt: T0, rootChangeId: `chg-${n}`,
    depth: 0, input: { n }, createdAt: T0, ...spec,
  };
}

/** n executions in `lanes` lanes of one tenant (lane i % lanes), runAt increasing by 1 ms from `from`. */
export function backlog(tenant: string, n: number, lanes: number, from = T0): NewExecution[] {
  return Array.from({ length: n }, (_, i) => newExecution({
    tenant, recordId: `r${i % lanes}`, runAt: from + i, createdAt: from + i,
  }));
}

export async function insertExecutions(store: Store, rows: NewExecution[], batch = 1000): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += batch) {
    const slice = rows.slice(i, i + batch);
    inserted += await store.transaction((tx) => tx.insertExecutions(slice));
  }
  return inserted;
}

export function claim(store: Store, workerId = 'w1', now = T0, limit = 10, leaseMs = LEASE_MS): Promise<ExecutionRow[]> {
  return store.claimExecutions({ workerId, now, limit, leaseMs });
}

export function succeed(store: Store, row: ExecutionRow, now = T0): Promise<void> {
  return store.transaction((tx) => tx.finishExecution(
    { executionId: row.id, attempt: row.attempt }, { status: 'succeeded', finishedAt: now },
  ));
}

export function workflowVersion(tenant: string, workflowId: string, version: number): WorkflowVersionRow {
  return { tenant, workflowId, version, definition: { id: workflowId, v: version, steps: [{ id: 'a' }] }, hash: `h${version}`, createdAt: T0 + version };
}

export function workflow(tenant: string, workflowId: string, overrides: Partial<WorkflowRow> = {}): WorkflowRow {
  return { tenant, workflowId, enabled: true, latestVersion: 1, activeVersion: 1, updatedAt: T0, ...overrides };
}

/** Resolves once check() is true, polling; rejects after timeoutMs. For wake-ups that cross a network. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const tenantOf = (label: string): string => `${label}-${next()}`;
