// PgTx.deferWrites: the record updates and change appends a transaction has decided but not sent
// yet. Each is kept as the exact parameters its single-row statement (Q.updateRecord,
// Q.appendChange) would have been sent with, made when it was called, so that the set-based flush
// (Q.flushWrites) writes every column as the single-row path does, whatever the caller does to its
// objects afterwards. Pure bookkeeping; tx.ts sends the statement.
import type { ChangeRow, RecordRow } from '../../domain/types.js';
import { changeParams, flushWritesParams, updateRecordParams } from './rows.js';

interface PendingUpdate {
  /** The version the record had when this transaction's first buffered update of it was decided. */
  expected: number;
  /** Q.updateRecord's parameters for the last update of the key, checked against `expected`. */
  params: unknown[];
}

export class WriteBehind {
  private readonly updates = new Map<string, PendingUpdate>();
  private changes: unknown[][] = [];

  get empty(): boolean {
    return this.updates.size === 0 && this.changes.length === 0;
  }

  /**
   * An update the caller decided against the locked row (its version was `expectedVersion`).
   * Updates of one key collapse into one: each writes every column it sets (version, data,
   * updated_at), so the last one is the row the single-row updates would have left, and the first
   * one's expected version is the one the stored row still has.
   */
  update(row: RecordRow, expectedVersion: number): void {
    const key = JSON.stringify([row.tenant, row.type, row.id]);
    const expected = this.updates.get(key)?.expected ?? expectedVersion;
    this.updates.set(key, { expected, params: updateRecordParams(row, expected) });
  }

  append(change: ChangeRow): void {
    this.changes.push(changeParams(change));
  }

  /**
   * Empties the buffer and returns Q.flushWrites's parameters with the number of records it must
   * update, or undefined when nothing is pending. Changes keep the order they were appended in.
   */
  take(): { params: unknown[]; records: number } | undefined {
    if (this.empty) return undefined;
    const updates = [...this.updates.values()].map((u) => u.params);
    const changes = this.changes;
    this.updates.clear();
    this.changes = [];
    return { params: flushWritesParams(updates, changes), records: updates.length };
  }

  /** A savepoint rolled back: what is pending was decided inside it (its start flushed the rest). */
  drop(): void {
    this.updates.clear();
    this.changes = [];
  }
}
