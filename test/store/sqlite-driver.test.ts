// The SQLite driver seam (src/store/sqlite/driver.ts): each driver this Node can load behaves the
// same where the store depends on it, and opening a store prints nothing of the driver's on stderr.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { anonymousParameters, namedParameters, type SqliteDatabase, type SqliteDriverName } from '../../src/store/sqlite/driver.js';
import { defaultSqliteDriver, openSqlite, SQLITE_DRIVERS } from '../../src/store/sqlite/open-sqlite.js';
import { Checkpointer } from '../../src/store/sqlite/checkpointer.js';
import { SqliteConnection } from '../../src/store/sqlite/connection.js';
import { cli } from '../helpers/cli.js';

/** Why a driver cannot run on this Node, or undefined when it can. */
function unavailable(driver: SqliteDriverName): string | undefined {
  return driver === 'node' && defaultSqliteDriver() === 'node' && process.getBuiltinModule !== undefined ? undefined : `node:sqlite needs Node 22.16+, this is ${process.version}`;
}

function withTable<T>(driver: SqliteDriverName, fn: (db: SqliteDatabase) => T): T {
  const db = openSqlite(':memory:', { driver });
  try {
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, note TEXT)');
    return fn(db);
  } finally {
    db.close();
  }
}

describe('named parameters of a statement', () => {
  it('are found outside string literals, quoted names and comments, each once', () => {
    expect(namedParameters(`SELECT @a, :b, $c, @a FROM t WHERE x = '@no' AND "@quoted" = 1 -- @comment
      AND json_extract(data, '$.field') = @d /* @block */`)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('become anonymous ones in order of use, a name used twice bound twice; a ? of its own is refused', () => {
    expect(anonymousParameters(`SELECT @a, '@no', @b WHERE x = @a`)).toEqual({ sql: `SELECT ?, '@no', ? WHERE x = ?`, names: ['a', 'b', 'a'] });
    expect(() => anonymousParameters('SELECT @a, ?')).toThrow(/name their parameters/);
  });
});

for (const driver of SQLITE_DRIVERS) {
  const reason = unavailable(driver);
  // Skipped with its reason on a Node without node:sqlite (which Switchyard does not support).
  describe.skipIf(reason !== undefined)(`SQLite driver ${driver}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    it('binds named parameters from an object: undefined is NULL, other properties are ignored, a missing one is an error', () => {
      withTable(driver, (db) => {
        const insert = db.prepare('INSERT INTO t (id, n, note) VALUES (@id, @n, @note)');
        expect(insert.run({ id: 'a', n: 1, note: undefined, unrelated: { deep: true } })).toBe(1);
        expect({ ...(db.prepare('SELECT * FROM t WHERE id = @id').get({ id: 'a' }) as object) }).toEqual({ id: 'a', n: 1, note: null });
        expect(() => insert.run({ id: 'b', n: 2 })).toThrow(/Missing named parameter "note"/);
        expect(db.prepare('SELECT count(*) AS c FROM t').get()).toMatchObject({ c: 1 });
        expect(db.prepare('SELECT count(*) AS c FROM t WHERE id = @id AND n = @n AND (@id IS NOT NULL)').get({ n: 1, id: 'a' })).toMatchObject({ c: 1 });
      });
    });

    it('answers undefined for no row, and the number of changed rows for a write', () => {
      withTable(driver, (db) => {
        db.exec(`INSERT INTO t (id, n) VALUES ('a', 1), ('b', 2), ('c', 3)`);
        expect(db.prepare('SELECT * FROM t WHERE id = @id').get({ id: 'zz' })).toBeUndefined();
        expect(db.prepare('UPDATE t SET n = n + 1 WHERE n >= @min').run({ min: 2 })).toBe(2);
        expect(db.prepare('SELECT id FROM t ORDER BY id').all().map((r) => (r as { id: string }).id)).toEqual(['a', 'b', 'c']);
      });
    });

    it("names a constraint violation's SQLite code", () => {
      withTable(driver, (db) => {
        db.exec(`INSERT INTO t (id, n) VALUES ('a', 1)`);
        const error = (() => {
          try {
            db.prepare('INSERT INTO t (id, n) VALUES (@id, @n)').run({ id: 'a', n: 2 });
          } catch (e) {
            return e;
          }
        })();
        expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: expect.stringMatching(/UNIQUE constraint failed: t\.id/) as string });
      });
    });

    it('atomic: commits, or rolls back when fn throws, and is a savepoint inside an open transaction', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-driver-'));
      const conn = new SqliteConnection(join(dir, 'd.db'), driver);
      try {
        conn.db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
        const ids = (): string[] => conn.all<{ id: string }>('SELECT id FROM t ORDER BY id').map((r) => r.id);
        conn.atomic(() => conn.run('INSERT INTO t (id) VALUES (@id)', { id: 'a' }));
        expect(() => conn.atomic(() => {
          conn.run('INSERT INTO t (id) VALUES (@id)', { id: 'b' });
          throw new Error('undo b');
        })).toThrow('undo b');
        expect(conn.inTransaction).toBe(false);
        conn.exec('BEGIN IMMEDIATE');
        conn.run('INSERT INTO t (id) VALUES (@id)', { id: 'c' });
        expect(() => conn.atomic(() => {
          conn.run('INSERT INTO t (id) VALUES (@id)', { id: 'd' });
          throw new Error('undo d');
        })).toThrow('undo d');
        expect(conn.inTransaction).toBe(true);
        conn.exec('COMMIT');
        expect(ids()).toEqual(['a', 'c']);
      } finally {
        await conn.close();
      }
    });

    it('opens the store file in WAL mode with a busy timeout and foreign keys on, and never checkpoints in a commit', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-driver-'));
      const conn = new SqliteConnection(join(dir, 'd.db'), driver);
      try {
        expect(conn.get('PRAGMA journal_mode')).toMatchObject({ journal_mode: 'wal' });
        expect(conn.get('PRAGMA busy_timeout')).toMatchObject({ timeout: 5000 });
        expect(conn.get('PRAGMA foreign_keys')).toMatchObject({ foreign_keys: 1 });
        expect(conn.get('PRAGMA wal_autocheckpoint')).toMatchObject({ wal_autocheckpoint: 0 });
      } finally {
        await conn.close();
      }
    });
  });
}

describe('WAL checkpoints (src/store/sqlite/checkpointer.ts)', () => {
  it.skipIf(unavailable('node'))('run in their own thread while commits come: the WAL is reused, not grown, and close ends the thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-checkpoint-'));
    const path = join(dir, 'd.db');
    const conn = new SqliteConnection(path, 'node');
    const walBytes = (): number => statSync(`${path}-wal`).size;
    try {
      conn.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)');
      const note = 'x'.repeat(2000);
      let written = 0;
      let largest = 0;
      // About 3 s of commits, each of 20 rows of 2 KB (10+ pages), yielding between them as the store does.
      for (let i = 0; i < 500; i++) {
        conn.atomic(() => { for (let r = 0; r < 20; r++) conn.run('INSERT INTO t (note) VALUES (@note)', { note }); });
        written += 20 * note.length;
        largest = Math.max(largest, walBytes());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Without checkpoints (wal_autocheckpoint is 0) the WAL would hold all of it: 16 MB and more.
      expect(written).toBeGreaterThan(16_000_000);
      expect(largest).toBeLessThan(written / 4);
      expect(conn.get<{ n: number }>('SELECT count(*) AS n FROM t')?.n).toBe(10_000);
    } finally {
      await conn.close(); // waits for the thread to exit: a thread left running would time the test out
    }
  });

  it.skipIf(unavailable('node'))('says when the WAL outgrew its bound (writes too close together for the thread), once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-checkpoint-'));
    const path = join(dir, 'd.db');
    const db = openSqlite(path, { driver: 'node' });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)');
    const checkpointer = new Checkpointer({ path, maxFrames: 50, onLost: () => undefined });
    try {
      // 100 commits back to back, then one turn of the event loop: the thread copies what is there.
      for (let i = 0; i < 100; i++) {
        db.exec('BEGIN');
        db.prepare('INSERT INTO t (note) VALUES (@note)').run({ note: 'x'.repeat(3000) });
        db.exec('COMMIT');
        checkpointer.committed();
      }
      await vi.waitFor(() => expect(checkpointer.restartDue()).toBe(true), { timeout: 5000 });
      expect(checkpointer.restartDue()).toBe(false);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it.skipIf(unavailable('node'))('hands checkpoints back to SQLite when its thread is lost (here: it cannot open the file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-checkpoint-'));
    let lost = 0;
    const checkpointer = new Checkpointer({ path: dir /* a directory: the thread's open fails */, onLost: () => { lost++; } });
    await vi.waitFor(() => expect(lost).toBe(1), { timeout: 5000 });
    await checkpointer.close(); // resolves: the thread is gone
    expect(lost).toBe(1);
  });

  it.skipIf(unavailable('node'))('a store connection whose thread is lost checkpoints in its commits again, and keeps committing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-checkpoint-'));
    const path = join(dir, 'd.db');
    // The thread is pointed at a directory, so it dies at once, as a crashed thread would.
    const conn = new SqliteConnection(path, 'node', (options) => new Checkpointer({ ...options, path: dir }));
    try {
      const autocheckpoint = (): number | undefined => conn.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')?.wal_autocheckpoint;
      expect(autocheckpoint()).toBe(0); // the thread's job while it lives
      conn.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)');
      conn.atomic(() => conn.run('INSERT INTO t (note) VALUES (@note)', { note: 'first' }));
      await vi.waitFor(() => expect(autocheckpoint()).toBe(10_000), { timeout: 5000 });
      for (let i = 0; i < 100; i++) conn.atomic(() => conn.run('INSERT INTO t (note) VALUES (@note)', { note: 'x'.repeat(1000) }));
      expect(conn.get<{ n: number }>('SELECT count(*) AS n FROM t')?.n).toBe(101);
    } finally {
      await conn.close();
    }
  });
});

describe('the CLI on the default SQLite driver', () => {
  it('prints no driver warning on stderr (node:sqlite is experimental on Node 22)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-driver-'));
    const result = await cli(['migrate', '--store', join(dir, 'new.db')]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/Warning/);
  }, 120_000);
});
