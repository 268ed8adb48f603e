// PgTx.deferWrites: the record inserts, updates and change appends a transaction has decided but
// not sent yet. Each is kept as the exact parameters its single-row statement (Q.insertRecord,
// Q.updateRecord, Q.appendChange) would have been sent with, made when it was called, so that the set-based flush
// (Q.flushWrites) writes every column as the single-row path does, whatever the caller does to its
// objects afterwards. Pure bookkeeping; tx.ts sends the statement.
import type { ChangeRow, RecordRow } from '../../domain/types.js';
import { copyRecordRow } from '../record-locks.js';
import { changeParams, flushWritesParams, insertRecordParams, updateRecordParams } from './rows.js';

interface PendingUpdate {
  /** The version the record had when this transaction's first buffered update of it was decided. */
  expected: number;
  /** Q.updateRecord's parameters for the last update of the key, checked against `expected`. */
  params: unknown[];
}

export class WriteBehind {
  /** Inserts by key: the row as this transaction last left it (a later update of the key folds into its insert). */
  private readonly inserts = new Map<string, RecordRow>();
  private readonly updates = new Map<string, PendingUpdate>();
  private changes: unknown[][] = [];

  get empty(): boolean {
    return this.inserts.size === 0 && this.updates.size === 0 && this.changes.length === 0;
  }

  /**
   * An insert of a key this transaction locked and found absent. One flush sends inserts and
   * updates in one statement, whose parts see the same snapshot: so an update of a key still
   * pending as an insert becomes part of that insert instead (see update).
   */
  insert(row: RecordRow): void {
    this.inserts.set(keyOf(row), copyRecordRow(row));
  }

  /**
   * An update the caller decided against the locked row (its version was `expectedVersion`).
   * Updates of one key collapse into one: each writes every column it sets (version, data,
   * updated_at), so the last one is the row the single-row updates would have left, and the first
   * one's expected version is the one the stored row still has.
   */
  update(row: RecordRow, expectedVersion: number): void {
    const key = keyOf(row);
    const inserting = this.inserts.get(key);
    if (inserting) {
      this.inserts.set(key, { ...copyRecordRow(row), createdAt: inserting.createdAt });
      return;
    }
    const expected = this.updates.get(key)?.expected ?? expectedVersion;
    this.updates.set(key, { expected, params: updateRecordParams(row, expected) });
  }

  append(change: ChangeRow): void {
    this.changes.push(changeParams(change));
  }

  /**
   * Empties the buffer and returns Q.flushWrites's parameters with the number of records it must
   * update and the keys it must insert, or undefined when nothing is pending. Changes keep the
   * order they were appended in.
   */
  take(): { params: unknown[]; records: number; inserts: RecordRow[] } | undefined {
    if (this.empty) return undefined;
    const inserts = [...this.inserts.values()];
    const updates = [...this.updates.values()].map((u) => u.params);
    const changes = this.changes;
    this.inserts.clear();
    this.updates.clear();
    this.changes = [];
    return { params: flushWritesParams(updates, changes, inserts.map(insertRecordParams)), records: updates.length, inserts };
  }

  /** A savepoint rolled back: what is pending was decided inside it (its start flushed the rest). */
  drop(): void {
    this.inserts.clear();
    this.updates.clear();
    this.changes = [];
  }
}

const keyOf = (row: RecordRow): string => JSON.stringify([row.tenant, row.type, row.id]);
