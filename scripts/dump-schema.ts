// Regenerates src/store/sqlite/schema.sql and (with SWITCHYARD_TEST_DATABASE_URL) src/store/postgres/schema.sql
// from a fresh migration. test/store/schema.test.ts fails when they drift.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { dumpPostgres, dumpSqlite } from '../test/helpers/schema-dump.js';

const file = join(mkdtempSync(join(tmpdir(), 'switchyard-schema-')), 'schema.db');
const sqlite = new SqliteStore({ path: file });
await sqlite.migrate();
await sqlite.close();
writeFileSync('src/store/sqlite/schema.sql', dumpSqlite(file));
process.stdout.write('wrote src/store/sqlite/schema.sql\n');

const url = process.env.SWITCHYARD_TEST_DATABASE_URL;
if (url) {
  const schema = `sy_dump_${process.pid}`;
  const store = new PostgresStore({ url, schema });
  await store.migrate();
  writeFileSync('src/store/postgres/schema.sql', (await dumpPostgres(url, schema)).replaceAll(schema, 'switchyard'));
  const client = new (await import('pg')).default.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
  await store.close();
  process.stdout.write('wrote src/store/postgres/schema.sql\n');
} else {
  process.stdout.write('SWITCHYARD_TEST_DATABASE_URL not set: src/store/postgres/schema.sql not regenerated\n');
}
