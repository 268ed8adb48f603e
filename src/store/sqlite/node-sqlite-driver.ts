// The seam (driver.ts) over Node's built-in node:sqlite (DatabaseSync, unflagged in 22.13;
// isTransaction from 22.16). What differs from the seam's behaviour is adapted here:
// - node:sqlite binds a missing named parameter as NULL, refuses undefined, and refuses a property
//   the statement does not name; and it binds named parameters about 5x slower than anonymous ones
//   (measured: 65k vs 340k inserts/s of 26 columns). So each @name becomes a `?` when the statement
//   is prepared, and the values are picked from the object in that order;
// - its errors are ERR_SQLITE_ERROR with the result code as a number: they become SqliteDriverError.
// Rows come back as objects with a null prototype; nothing in the store reads their prototype.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { anonymousParameters, SqliteDriverError, type SqliteDatabase, type SqliteParams, type SqliteStatement } from './driver.js';

type NodeSqlite = typeof import('node:sqlite');

let loaded: NodeSqlite | null | undefined;

/**
 * node:sqlite, or null on a Node without it. Node 22 warns "SQLite is an experimental feature"
 * when the module loads; that one warning is dropped (CLI output stays clean), any other passes.
 */
function nodeSqlite(): NodeSqlite | null {
  if (loaded !== undefined) return loaded;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and called with process as this
  const original = process.emitWarning;
  process.emitWarning = function filtered(this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const message = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type ?? (warning as Error).name;
    if (type === 'ExperimentalWarning' && /^SQLite is an experimental feature/.test(message)) return;
    Reflect.apply(original, process, [warning, ...rest]);
  };
  try {
    // getBuiltinModule itself is new in 22.3: before it, there is no node:sqlite either.
    loaded = (process.getBuiltinModule as typeof process.getBuiltinModule | undefined)?.('node:sqlite') ?? null;
  } finally {
    process.emitWarning = original;
  }
  // isTransaction (22.16+) tells whether SQLite ended a transaction itself; without it, no node:sqlite.
  if (loaded && !('isTransaction' in new loaded.DatabaseSync(':memory:'))) loaded = null;
  return loaded;
}

export function nodeSqliteAvailable(): boolean {
  return nodeSqlite() !== null;
}

/** Rethrows a node:sqlite error as SqliteDriverError (code SQLITE_...); anything else as it is. */
function translated(error: unknown): unknown {
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown };
  if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') return new SqliteDriverError(String(e.message), e.errcode, error);
  return error;
}

class NodeStatement implements SqliteStatement {
  constructor(private readonly statement: StatementSync, private readonly names: readonly string[]) {}

  all(params: SqliteParams = {}): unknown[] {
    try {
      return this.names.length === 0 ? this.statement.all() : this.statement.all(...this.bind(params));
    } catch (error) {
      throw translated(error);
    }
  }

  get(params: SqliteParams = {}): unknown {
    try {
      return this.names.length === 0 ? this.statement.get() : this.statement.get(...this.bind(params));
    } catch (error) {
      throw translated(error);
    }
  }

  run(params: SqliteParams = {}): number {
    try {
      return Number((this.names.length === 0 ? this.statement.run() : this.statement.run(...this.bind(params))).changes);
    } catch (error) {
      throw translated(error);
    }
  }

  /** The values of the statement's parameters, in order: undefined binds NULL, a missing one is an error. */
  private bind(params: SqliteParams): SQLInputValue[] {
    const values = new Array<SQLInputValue>(this.names.length);
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      const value = params[name];
      if (value === undefined && !(name in params)) throw new RangeError(`Missing named parameter "${name}"`);
      values[i] = value === undefined ? null : (value as SQLInputValue);
    }
    return values;
  }
}

class NodeDatabase implements SqliteDatabase {
  readonly driver = 'node' as const;

  constructor(private readonly db: DatabaseSync) {}

  prepare(sql: string): SqliteStatement {
    try {
      const { sql: text, names } = anonymousParameters(sql);
      return new NodeStatement(this.db.prepare(text), names);
    } catch (error) {
      throw translated(error);
    }
  }

  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw translated(error);
    }
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  close(): void {
    this.db.close();
  }
}

export function openNodeSqlite(path: string, readonly: boolean): SqliteDatabase {
  const sqlite = nodeSqlite();
  if (!sqlite) throw new Error(`Switchyard's embedded store needs node:sqlite, in Node 22.16 or later; this is Node ${process.versions.node}`);
  try {
    return new NodeDatabase(new sqlite.DatabaseSync(path, { readOnly: readonly }));
  } catch (error) {
    throw translated(error);
  }
}
