// The intake: the one way occurrences enter the engine. Everything here runs inside the caller's
// transaction and leaves its after-commit work (wake workers, deliver loop alerts) in the outbox,
// which the caller flushes once the transaction committed (outbox.ts: transact / transactAndFlush).
// - a record write: record + change + a record_change occurrence (write-path.ts)
// - many record writes in one transaction (a chunk of an import): applyWrites
// - any other occurrence (a manual run today; schedules and events later): submit
// All of them reach the same matching, loop guard and insert (occurrence-queue.ts).
import type { StoreTx } from '../store/port.js';
import type { Occurrence } from '../triggers/occurrence.js';
import type { TenantCatalog } from './catalog.js';
import { queueOccurrence, type QueueDeps, type Queued } from './occurrence-queue.js';
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
 * Many record writes in one transaction: they commit together or not at all, and the outbox
 * gets one wake-up however many executions they queued. The catalog is checked once. A failing
 * command throws and so rolls back the whole transaction; callers that want per-command results
 * run each one in a savepoint (tx.savepoint) themselves.
 */
export async function applyWrites(tx: StoreTx, outbox: Outbox, catalog: TenantCatalog, cmds: readonly WriteCommand[], deps: WriteDeps): Promise<WriteResult[]> {
  const tenants = [...new Set(cmds.map((c) => c.tenant))];
  if (tenants.length > 1) throw new Error('applyWrites takes the writes of one tenant (one catalog)');
  if (tenants[0] !== undefined) await checkCatalog(tx, catalog, tenants[0]);
  const results: WriteResult[] = [];
  for (const cmd of cmds) results.push(await writeRecord(tx, catalog, cmd, deps, outbox));
  return results;
}
