// Dumps a store's schema as stable text, so that schema changes show up as diffs of the committed
// src/store/<backend>/schema.sql, and an upgraded database can be compared with a fresh one.
import pg from 'pg';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';

export function dumpSqlite(path: string): string {
  const db = openSqlite(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name`).all() as { sql: string }[];
    return `${rows.map((r) => `${r.sql.replace(/\s+/g, ' ').trim()};`).join('\n')}\n`;
  } finally {
    db.close();
  }
}

export async function dumpPostgres(url: string, schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; collation_name: string | null }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name FROM information_schema.columns
       WHERE table_schema = $1 ORDER BY table_name, ordinal_position`, [schema]);
    const indexes = await client.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`, [schema]);
    const lines: string[] = [];
    let table = '';
    for (const c of columns.rows) {
      if (c.table_name !== table) lines.push(`TABLE ${(table = c.table_name)}`);
      lines.push(`  ${c.column_name} ${c.data_type}${c.collation_name ? ` COLLATE ${c.collation_name}` : ''}${c.is_nullable === 'NO' ? ' NOT NULL' : ''}${c.column_default ? ` DEFAULT ${c.column_default}` : ''}`);
    }
    for (const i of indexes.rows) lines.push(`${i.indexdef.replaceAll(`${schema}.`, '')};`);
    return `${lines.join('\n')}\n`;
  } finally {
    await client.end();
  }
}
