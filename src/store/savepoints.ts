// StoreTx.savepoint for both adapters: SAVEPOINT / RELEASE / ROLLBACK TO are the same statements
// in SQLite and PostgreSQL; only how a statement is sent differs (the `exec` given).
import { SwitchyardError } from '../errors.js';

/**
 * The savepoints of one transaction. Names are unique within it (a counter), and the open ones
 * form a stack: savepoints must nest. Two that overlap (run concurrently on one transaction)
 * would silently release or roll back each other's work in SQL, so that fails loudly instead.
 */
export class Savepoints {
  private count = 0;
  private readonly open: string[] = [];
  /** Set when a rollback failed: the transaction is no longer in a known state. */
  private broken: unknown;

  /** exec runs statements without parameters, in order (PostgreSQL: in one round trip). */
  constructor(private readonly exec: (statements: string[]) => Promise<void> | void) {}

  /** Throws when a rollback failed: the adapter calls it before COMMIT, so that never commits. */
  assertUsable(): void {
    if (this.broken !== undefined) {
      throw new SwitchyardError('INTERNAL', 'transaction unusable: a savepoint could not be rolled back', { cause: this.broken });
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.assertUsable();
    const name = `sy_savepoint_${++this.count}`;
    await this.exec([`SAVEPOINT ${name}`]);
    this.open.push(name);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.rollback(name);
      throw error;
    }
    const at = this.open.lastIndexOf(name);
    if (at < 0 || at !== this.open.length - 1) {
      // Still open under another, or already gone with an outer one: they overlapped.
      if (at >= 0) await this.rollback(name);
      throw new SwitchyardError('INTERNAL', `savepoint ${name} overlapped another savepoint of its transaction (they must nest)`);
    }
    this.open.pop();
    await this.exec([`RELEASE SAVEPOINT ${name}`]);
    return result;
  }

  /** Undoes everything since `name` (inner savepoints included) and drops it from the stack. */
  private async rollback(name: string): Promise<void> {
    const at = this.open.lastIndexOf(name);
    if (at < 0) return; // already undone by an overlapping outer savepoint
    this.open.length = at;
    try {
      // ROLLBACK TO keeps the savepoint open; RELEASE pops it.
      await this.exec([`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`]);
    } catch (error) {
      // The connection is gone, or the driver already rolled back the whole transaction (SQLite
      // does on SQLITE_FULL, SQLITE_IOERR...). The caller gets fn's error; later savepoints fail,
      // and so does the commit (assertUsable).
      this.broken = error;
    }
  }
}
