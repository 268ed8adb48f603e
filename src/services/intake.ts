// The intake: the one way occurrences enter the engine. Everything here runs inside the caller's
// transaction and leaves its after-commit work (wake workers, deliver loop alerts) in the outbox,
// which the caller flushes once the transaction committed (outbox.ts: transact / transactAndFlush).
// - a record write: record + change + a record_change occurrence (write-path.ts)
// - many record writes in one transaction (a chunk of an import): applyWrites
// - any other occurrence (a manual run today; schedules and events later): submit
// All of them reach the same matching, loop guard and insert (occurrence-queue.ts).
import { SwitchyardError } from '../errors.js';
import type { StoreTx } from '../store/port.js';
import type { Occurrence } from '../triggers/occurrence.js';
import type { TenantCatalog } from './catalog.js';
import { PendingExecutions, queueOccurrence, type QueueDeps, type Queued } from './occurrence-queue.js';
import type { Outbox } from './outbox.js';
import { checkCatalog, writeRecord, type WriteCommand, type WriteDeps, type WriteResult } from './write-path.js';

export { applyWrite } from './write-path.js';
export type { WriteCommand, WriteDeps, WriteResult } from './write-path.js';
export { Outbox, transact, transactAndFlush, type OutboxSink } from './outbox.js';

/**
 * Submits an occurrence that is not a record write: matches it, guards and queues its executions.
 * Submitting the same (kind, key) again queues nothing new (the executions' dedup key holds the
 * occurrence key), so a redelivered occurrence is harmless. Non-record occurrences are not stored
 * yet: their payload travels in each execution's input.
 */
export async function submit(tx: StoreTx, outbox: Outbox, catalog: TenantCatalog, occurrence: Occurrence, deps: QueueDeps): Promise<Queued> {
  if (occurrence.kind === 'record_change') throw new Error('a record change enters through applyWrite, with its record and change');
  await checkCatalog(tx, catalog, occurrence.tenant);
  return queueOccurrence(tx, outbox, catalog, occurrence, deps);
}

/**
 * Many occurrences that are not record writes in one transaction (a scheduler's chunk of due
 * fires, a fan-out): each tenant's catalog is checked once and the executions they queue are
 * inserted in one statement (PendingExecutions), each still guarded as if it were alone.
 * Redelivered keys queue nothing, as with submit. Returns how many executions were new.
 */
export async function submitMany(tx: StoreTx, outbox: Outbox, catalogOf: (tenant: string) => TenantCatalog, occurrences: readonly Occurrence[], deps: QueueDeps): Promise<number> {
  const checked = new Set<string>();
  const pending = new PendingExecutions();
  for (const occurrence of occurrences) {
    if (occurrence.kind === 'record_change') throw new Error('a record change enters through applyWrite, with its record and change');
    const catalog = catalogOf(occurrence.tenant);
    if (!checked.has(occurrence.tenant)) {
      await checkCatalog(tx, catalog, occurrence.tenant);
      checked.add(occurrence.tenant);
    }
    await queueOccurrence(tx, outbox, catalog, occurrence, deps, pending);
  }
  return pending.insert(tx, outbox);
}

/**
 * Many record writes in one transaction: they commit together or not at all, and the outbox
 * gets one wake-up however many executions they queued. Set-based where the store allows: the
 * catalog is checked once, the records are read and locked in one statement, their inserts,
 * updates and changes are sent together (StoreTx.deferWrites), and the executions they queue are
 * inserted in one statement (PendingExecutions). Each write is still decided as if it were alone:
 * writes to one record see each other in order, and a loop guard sees the executions queued before
 * it. A failing command throws (its index in `index`, its problems' paths under `/<index>`) and so
 * rolls back the whole transaction; callers that want per-command results run each one in a
 * savepoint (tx.savepoint) themselves. The caller's transaction should hold nothing else.
 */
export async function applyWrites(tx: StoreTx, outbox: Outbox, catalog: TenantCatalog, cmds: readonly WriteCommand[], deps: WriteDeps): Promise<WriteResult[]> {
  const tenants = [...new Set(cmds.map((c) => c.tenant))];
  if (tenants.length > 1) throw new Error('applyWrites takes the writes of one tenant (one catalog)');
  if (tenants[0] === undefined) return [];
  await checkCatalog(tx, catalog, tenants[0]);
  await tx.lockRecords(cmds.map((c) => ({ tenant: c.tenant, type: c.type, id: c.id })));
  tx.deferWrites?.();
  const pending = new PendingExecutions();
  const results: WriteResult[] = [];
  for (const [index, cmd] of cmds.entries()) {
    try {
      results.push(await writeRecord(tx, catalog, cmd, deps, outbox, pending));
    } catch (error) {
      throw error instanceof SwitchyardError ? inCommand(error, index, cmd) : error;
    }
  }
  await pending.insert(tx, outbox);
  return results;
}

/** The error of one command of many, saying which one. */
function inCommand(error: SwitchyardError, index: number, cmd: WriteCommand): SwitchyardError {
  return new SwitchyardError(error.code, `command ${index} (${cmd.type} ${cmd.id}): ${error.message}`, {
    problems: error.problems.map((p) => ({ ...p, path: `/${index}${p.path}` })),
    extra: { ...error.extra, index },
    cause: error,
  });
}
