// PostgreSQL claims read their candidates in one statement before any transaction: a claim that
// finds nothing (an idle worker's poll; every worker but one woken by the same write) is that one
// round trip, and a claim that takes work adds only its transaction (BEGIN, lock, heads, COMMIT).
// Skipped, loudly, when SWITCHYARD_TEST_DATABASE_URL is unset or the database is unreachable.
import { expect, it } from 'vitest';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { describePostgres, makePostgresStore } from '../helpers/stores.js';
import { backlog, claim, insertExecutions, T0 } from './fixtures.js';

async function sent<T>(store: PostgresStore, fn: () => Promise<T>): Promise<{ result: T; sent: number }> {
  const before = store.statementCount();
  const result = await fn();
  return { result, sent: store.statementCount() - before };
}

await describePostgres('PostgreSQL claim round trips', () => {
  it('a claim that finds nothing ready is one statement; one that takes a batch adds BEGIN, lock, heads, COMMIT', async () => {
    const store = await makePostgresStore();
    expect(await sent(store, () => claim(store, 'w1', T0, 10))).toEqual({ result: [], sent: 1 });
    await insertExecutions(store, backlog('rt', 30, 30, T0 + 1000)); // not due yet at T0
    expect(await sent(store, () => claim(store, 'w1', T0, 10))).toEqual({ result: [], sent: 1 });
    const taken = await sent(store, () => claim(store, 'w1', T0 + 2000, 10));
    expect(taken.result).toHaveLength(10);
    expect(taken.sent).toBe(5);
    // The lanes taken are running: a second claim takes the next ten, not the same ones.
    const next = await claim(store, 'w2', T0 + 2000, 10);
    expect(next.map((e) => e.id).filter((id) => taken.result.some((t) => t.id === id))).toEqual([]);
    expect(next).toHaveLength(10);
  });
});
