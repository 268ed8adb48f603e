// Opens the store a location names: a postgres:// URL or a SQLite file path.
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

export async function openStore(location: string): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new PostgresStore({ url: location });
  }
  return new SqliteStore({ path: location });
}
