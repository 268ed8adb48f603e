// The SQLite store's one connection: the driver handle (driver.ts), its prepared statements, the
// statement counter, and the queue every operation waits in (see ARCHITECTURE.md beside this file).
// The drivers are synchronous; the port is async, so every operation runs under this one mutex.
import type { SqliteDatabase, SqliteDriverName, SqliteStatement } from './driver.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { openSqlite } from './open-sqlite.js';

export type Params = Record<string, unknown>;

export class SqliteConnection {
  /** The driver handle: for what the counted helpers below do not cover (migrate, close). */
  readonly db: SqliteDatabase;
  private readonly statements = new Map<string, SqliteStatement>();
  /** Operations waiting for the connection: interactive ones (a user waits) go first. */
  private readonly waiting: { interactive: (() => Promise<void>)[]; background: (() => Promise<void>)[] } = { interactive: [], background: [] };
  private busy = false;
  /** Statements executed so far (statementCount). */
  private statementsRun = 0;

  /** Copies the WAL into the database file from another thread (checkpointer.ts); started at the first commit. */
  private checkpointer: Checkpointer | undefined;
  private checkpointsInCommits = false;

  constructor(
    private readonly path: string,
    driver?: SqliteDriverName,
    /** Starts the checkpointer thread; a test passes one whose thread is lost, to see the fallback. */
    private readonly startCheckpointer: (options: CheckpointerOptions) => Checkpointer = (options) => new Checkpointer(options),
  ) {
    this.db = openSqlite(path, { driver });
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    // node:sqlite waits 0 ms for a lock by default: another process (a CLI command) may hold it a moment.
    this.db.exec('PRAGMA busy_timeout = 5000');
    // No checkpoint inside a commit: the checkpointer thread does them (checkpointer.ts). A 64 MiB page cache.
    this.db.exec(`PRAGMA wal_autocheckpoint = ${path === ':memory:' ? 1000 : 0}`);
    this.db.exec('PRAGMA cache_size = -65536');
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  /** Statements executed since the store opened (BEGIN/COMMIT included): in-process calls, not round trips. */
  statementCount(): number {
    return this.statementsRun;
  }

  /** Whether a transaction is open; SQLite ends one itself on some errors (SQLITE_FULL, SQLITE_IOERR...). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Runs statements without parameters (transaction control), counting each. */
  exec(...statements: string[]): void {
    for (const sql of statements) {
      this.statementsRun++;
      this.db.exec(sql);
      if (sql === 'COMMIT') this.committed();
    }
  }

  /**
   * BEGIN; fn(); COMMIT, or ROLLBACK when fn throws (fn is synchronous). Inside an open transaction
   * it is a savepoint, undone alone when fn throws. BEGIN and COMMIT count as two statements.
   */
  atomic<T>(fn: () => T): T {
    const nested = this.db.inTransaction;
    this.exec(nested ? 'SAVEPOINT atomic' : 'BEGIN');
    let result: T;
    try {
      result = fn();
    } catch (error) {
      // SQLite may have ended the transaction itself (SQLITE_FULL...): then there is nothing to undo.
      if (this.db.inTransaction) this.exec(nested ? 'ROLLBACK TO atomic; RELEASE atomic' : 'ROLLBACK');
      throw error;
    }
    this.exec(nested ? 'RELEASE atomic' : 'COMMIT');
    return result;
  }

  /** Closes the checkpointer's connection, then this one (SQLite checkpoints what is left as the last one closes). */
  async close(): Promise<void> {
    await this.checkpointer?.close();
    this.db.close();
  }

  /** After a COMMIT: never throws (the transaction is committed whatever happens here). */
  private committed(): void {
    if (this.path === ':memory:' || this.checkpointsInCommits) return;
    try {
      this.checkpointer ??= this.startCheckpointer({ path: this.path, onLost: () => this.checkpointInCommits() });
      this.checkpointer.committed();
      if (this.checkpointer.restartDue()) this.db.exec('PRAGMA wal_checkpoint(RESTART)');
    } catch {
      // No thread (it could not start), or the RESTART found the database busy: a later commit
      // past the bound tries again. Without a thread, SQLite's own checkpoints come back.
      if (!this.checkpointer) this.checkpointInCommits();
    }
  }

  /** Without the thread: SQLite's own checkpoints, in the commits, as before the thread existed. */
  private checkpointInCommits(): void {
    this.checkpointsInCommits = true;
    this.db.exec('PRAGMA wal_autocheckpoint = 10000');
  }

  private stmt(sql: string): SqliteStatement {
    this.statementsRun++;
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  all<T>(sql: string, params: Params = {}): T[] {
    return this.stmt(sql).all(params) as T[];
  }

  get<T>(sql: string, params: Params = {}): T | undefined {
    return this.stmt(sql).get(params) as T | undefined;
  }

  run(sql: string, params: Params = {}): number {
    return this.stmt(sql).run(params);
  }

  /**
   * Serializes every operation: one connection must never interleave a read into an open
   * transaction. The driver never yields, so background work (the worker's reads and
   * checkpoints) is started from setImmediate: pending I/O, such as an HTTP request for a record
   * write, gets a turn between any two operations, and interactive writes run before queued
   * background ones. A write's latency then stays flat however much work its triggers queue.
   */
  exclusive<T>(fn: () => Promise<T> | T, interactive = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (interactive ? this.waiting.interactive : this.waiting.background).push(async () => {
        try {
          resolve(await fn());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const interactive = this.waiting.interactive.shift();
    if (interactive) return this.start(interactive);
    if (this.waiting.background.length === 0) return;
    this.busy = true;
    setImmediate(() => {
      this.busy = false;
      const task = this.waiting.interactive.shift() ?? this.waiting.background.shift();
      if (task) this.start(task);
    });
  }

  private start(task: () => Promise<void>): void {
    this.busy = true;
    void task().finally(() => {
      this.busy = false;
      this.next();
    });
  }
}
