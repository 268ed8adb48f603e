// The SQLite store's one connection: the better-sqlite3 handle, its prepared statements, the
// statement counter, and the queue every operation waits in (see ARCHITECTURE.md beside this file).
// better-sqlite3 is synchronous; the port is async, so every operation runs under this one mutex.
import Database from 'better-sqlite3';

export type Params = Record<string, unknown>;

export class SqliteConnection {
  /** The driver handle: for what the counted helpers below do not cover (migrate, transaction state). */
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Operations waiting for the connection: interactive ones (a user waits) go first. */
  private readonly waiting: { interactive: (() => Promise<void>)[]; background: (() => Promise<void>)[] } = { interactive: [], background: [] };
  private busy = false;
  /** Statements executed so far (statementCount). */
  private statementsRun = 0;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Fewer, larger WAL checkpoints and a 64 MiB page cache: measured +25% executions/s (bench/RESULTS.md).
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('foreign_keys = ON');
    // Count the BEGIN and COMMIT (or ROLLBACK) that the driver's transaction wrapper runs around
    // each call: it runs them itself, not through stmt().
    const transaction = this.db.transaction.bind(this.db);
    this.db.transaction = ((fn: (...args: unknown[]) => unknown) => transaction((...args: unknown[]) => {
      this.statementsRun += 2;
      return fn(...args);
    })) as typeof this.db.transaction;
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
    }
  }

  /** Runs fn inside the driver's transaction wrapper (BEGIN ... COMMIT, or ROLLBACK when fn throws). */
  atomic<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private stmt(sql: string): Database.Statement {
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
    return this.stmt(sql).run(params).changes;
  }

  /**
   * Serializes every operation: one connection must never interleave a read into an open
   * transaction. better-sqlite3 never yields, so background work (the worker's reads and
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
