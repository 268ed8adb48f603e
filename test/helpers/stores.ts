// Real stores for tests: a fresh SQLite file per test, and a fresh PostgreSQL schema per test file
// in the database named by SWITCHYARD_TEST_DATABASE_URL (its tables are emptied before each test;
// the schema is dropped after the file unless a test failed, so a failure can be inspected).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, onTestFinished } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

// The one place tests read the environment for a database.
export const pgUrl = process.env.SWITCHYARD_TEST_DATABASE_URL;

/** Closes the store (and removes its files) when the current test ends; outside a test, the caller closes it. */
function closeWhenTestEnds(cleanup: () => Promise<void>): void {
  try {
    onTestFinished(cleanup);
  } catch {
    // Called from a hook or at collection time: no current test to attach to.
  }
}

/** A migrated SQLite store on a fresh file in a fresh temp dir. */
export async function makeSqliteStore(): Promise<SqliteStore> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
  const store = new SqliteStore({ path: join(dir, 'store.db') });
  await store.migrate();
  closeWhenTestEnds(async () => {
    await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

let skipReason: Promise<string | undefined> | undefined;

/** Why PostgreSQL suites cannot run here, or undefined when the test database answers. Probed once per file. */
export function postgresSkipReason(): Promise<string | undefined> {
  skipReason ??= (async () => {
    if (!pgUrl) return 'SWITCHYARD_TEST_DATABASE_URL not set';
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `${redact(pgUrl)} unreachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return skipReason;
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/** An admin connection to the test database (fault injection, inspection). Closed after fn. */
export async function withPgAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface FileSchema { name: string; failed: boolean }
let fileSchema: FileSchema | undefined;

/** A fresh, unused schema name; callers that create it by hand must drop it too. */
export function freshSchemaName(prefix = 'sy_test'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

async function createSchema(): Promise<FileSchema> {
  const schema = { name: freshSchemaName(), failed: false };
  const store = new PostgresStore({ url: pgUrl as string, schema: schema.name });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return schema;
}

/**
 * describe() for a PostgreSQL suite. Inside it, makePostgresStore() opens stores on the file's
 * schema, emptied before each test. A test that fails leaves its schema as it was for inspection
 * (the name is printed) and the next test gets a fresh one. When the database is not configured
 * or not reachable the whole block is skipped, loudly.
 */
export async function describePostgres(name: string, fn: () => void): Promise<void> {
  const reason = await postgresSkipReason();
  if (reason !== undefined) {
    process.stderr.write(`\n*** PostgreSQL suite "${name}" SKIPPED: ${reason} ***\n\n`);
    describe.skip(`${name} [skipped: ${reason}]`, fn);
    return;
  }
  describe(name, () => {
    beforeAll(async () => {
      fileSchema = await createSchema();
    });
    beforeEach(async () => {
      if (!fileSchema || fileSchema.failed) {
        fileSchema = await createSchema();
        return;
      }
      const schema = fileSchema.name;
      await withPgAdmin(async (admin) => {
        const tables = await admin.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
           WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`, [schema]);
        const names = tables.rows.map((r) => r.table_name).filter((t) => /^[a-z_][a-z0-9_]*$/.test(t));
        if (names.length > 0) await admin.query(`TRUNCATE ${names.map((t) => `${schema}.${t}`).join(', ')} RESTART IDENTITY`);
      });
    });
    afterEach((context) => {
      if (fileSchema && context.task.result?.state === 'fail' && !fileSchema.failed) fileSchema.failed = true;
      if (fileSchema?.failed) {
        process.stderr.write(`PostgreSQL schema ${fileSchema.name} kept for inspection: "${context.task.name}" failed\n`);
        fileSchema = undefined;
      }
    });
    afterAll(async () => {
      const schema = fileSchema;
      fileSchema = undefined;
      if (schema && !schema.failed) await withPgAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS ${schema.name} CASCADE`));
    });
    fn();
  });
}

/** A PostgresStore on this file's schema (already migrated), closed when the test ends. */
export async function makePostgresStore(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  const schema = fileSchema;
  if (!schema) throw new Error('makePostgresStore() works inside describePostgres() only');
  const store = new PostgresStore({ url: pgUrl as string, schema: schema.name, poolSize: 8, ...options });
  closeWhenTestEnds(() => store.close().catch(() => undefined));
  await store.migrate();
  return store;
}
