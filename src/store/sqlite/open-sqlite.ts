// Opens a SQLite database through the driver behind the seam in driver.ts: Node's own node:sqlite,
// with nothing to compile or download at install. (better-sqlite3 was measured against it before
// the switch: bench/RESULTS.md, "SQLite driver".) The seam stays: the store's code is written
// against driver.ts, not against node:sqlite, and a second driver would be one more file.
import type { SqliteDatabase, SqliteDriverName, SqliteOpenOptions } from './driver.js';
import { openNodeSqlite } from './node-sqlite-driver.js';

export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node'];

export function defaultSqliteDriver(): SqliteDriverName {
  return 'node';
}

export function openSqlite(path: string, options: SqliteOpenOptions = {}): SqliteDatabase {
  return openNodeSqlite(path, options.readonly === true);
}
