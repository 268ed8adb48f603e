// Opens the store a location names: a postgres:// URL or a SQLite file path.
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * Splits our own `schema` query parameter off a PostgreSQL URL (postgres://host/db?schema=crm):
 * the schema that holds the tables (default public). The rest of the URL goes to the driver as is.
 */
export function postgresLocation(location: string): { url: string; schema?: string } {
  const url = new URL(location);
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { url: location };
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

export async function openStore(location: string): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new PostgresStore(postgresLocation(location));
  }
  return new SqliteStore({ path: location });
}
