// The seam between the SQLite store and a SQLite driver: the few synchronous operations the store
// uses, with one behaviour whichever driver runs them (ARCHITECTURE.md beside this file):
// - parameters are named (@name) and bound from an object: a missing one is an error, a value of
//   undefined binds NULL, other properties of the object are ignored;
// - a row is an object (or undefined when there is none); an INTEGER beyond 2^53 is an error on
//   read: no column of our schema holds one;
// - a driver's error carries the SQLite result code name as `code` (SQLITE_CONSTRAINT_PRIMARYKEY...).
// The implementation: node-sqlite-driver.ts; open-sqlite.ts opens it.

export type SqliteParams = Record<string, unknown>;

export interface SqliteStatement {
  all(params?: SqliteParams): unknown[];
  get(params?: SqliteParams): unknown;
  /** Runs the statement; returns the number of rows it changed. */
  run(params?: SqliteParams): number;
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  /** Compiles sql once; the caller caches the statement (SqliteConnection does). */
  prepare(sql: string): SqliteStatement;
  /** Runs statements without parameters (DDL, PRAGMA, transaction control). */
  exec(sql: string): void;
  /** Whether a transaction is open; SQLite ends one itself on some errors (SQLITE_FULL, SQLITE_IOERR...). */
  readonly inTransaction: boolean;
  close(): void;
}

export interface SqliteOpenOptions {
  /** Open an existing file read-only (schema dumps, query plans). Default false. */
  readonly?: boolean;
  /** Which driver (node:sqlite, the only one). */
  driver?: SqliteDriverName;
}

/** 'node': Node's built-in node:sqlite (22.16+), the one driver. */
export type SqliteDriverName = 'node';

/** What a statement's text holds besides SQL: string literals, quoted names, comments (kept), parameters. */
const TOKENS = /('(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?\*\/)|[@:$]([A-Za-z_][A-Za-z0-9_]*)|(\?\d*)/g;

/**
 * The statement with each named parameter (@name, :name, $name) replaced by an anonymous `?`, and
 * the names in the order of those `?`s (a name used twice is there twice). Literals, quoted names
 * and comments are left alone. A statement must not mix in `?` parameters of its own.
 */
export function anonymousParameters(sql: string): { sql: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(TOKENS, (match, kept: string | undefined, name: string | undefined) => {
    if (kept !== undefined) return kept;
    if (name === undefined) throw new Error(`SQLite statements here name their parameters (@name), not ${match}: ${sql}`);
    names.push(name);
    return '?';
  });
  return { sql: text, names };
}

/** Named parameters of a statement, each once, in order of first use. */
export function namedParameters(sql: string): string[] {
  return [...new Set(anonymousParameters(sql).names)];
}

/** Result code names by number (the subset the store can meet), for drivers that report only the number. */
const RESULT_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 19: 'SQLITE_CONSTRAINT', 20: 'SQLITE_MISMATCH', 26: 'SQLITE_NOTADB',
  261: 'SQLITE_BUSY_RECOVERY', 517: 'SQLITE_BUSY_SNAPSHOT', 275: 'SQLITE_CONSTRAINT_CHECK', 787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL', 1555: 'SQLITE_CONSTRAINT_PRIMARYKEY', 2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

/** A SQLite error in the shape the store reads: `code` is the result code name, the driver's error its cause. */
export class SqliteDriverError extends Error {
  readonly code: string;
  constructor(message: string, resultCode: number, cause: unknown) {
    super(message, { cause });
    this.name = 'SqliteError';
    // An extended code we do not list reads as its primary code (the low byte): SQLITE_IOERR_WRITE is SQLITE_IOERR.
    this.code = RESULT_CODES[resultCode] ?? RESULT_CODES[resultCode & 0xff] ?? 'SQLITE_ERROR';
  }
}
