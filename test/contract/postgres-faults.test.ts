// PostgreSQL-only behaviour beyond the contract: concurrent migrations, killed backends, a lost
// server, the LISTEN connection's reconnect, and the lane constraint behind the claim.
import { expect, it } from 'vitest';
import { isSwitchyardError, SwitchyardError } from '../../src/errors.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { describePostgres, freshSchemaName, makePostgresStore, pgUrl, withPgAdmin } from '../helpers/stores.js';
import { eventually, insertExecutions, newChange, newExecution, newRecord } from './fixtures.js';

const url = pgUrl as string;

/** Terminates the backends of one store (found by its application_name); returns how many. */
async function killBackends(applicationName: string, state?: string): Promise<number> {
  return withPgAdmin(async (admin) => {
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR state = $2)`, [applicationName, state ?? null]);
    return killed.rowCount ?? 0;
  });
}

await describePostgres('PostgresStore faults', () => {
  it('migrates once when several processes start at the same time', async () => {
    const schema = freshSchemaName('sy_migrate');
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url, schema, poolSize: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s) => s.migrate()));
      const applied = await withPgAdmin((admin) => admin.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`));
      expect(applied.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await stores[0]?.getRecord('t', 'deal', 'x')).toBeUndefined();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await withPgAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });

  it('accepts only plain lowercase schema names (the one identifier in its SQL)', () => {
    for (const schema of ['Public', 'a-b', 'x; DROP TABLE records', '1abc', '', 'a'.repeat(41)]) {
      let error: unknown;
      try {
        new PostgresStore({ url, schema });
      } catch (e) {
        error = e;
      }
      expect(isSwitchyardError(error) && error.code, schema).toBe('CONFIG_INVALID');
    }
  });

  it('survives its backends being killed: the next reads and transactions succeed', async () => {
    const applicationName = `sy_kill_${process.pid}`;
    const store = await makePostgresStore({ applicationName, poolSize: 4 });
    await Promise.all(Array.from({ length: 4 }, (_, i) => store.getRecord('t1', 'deal', `warm-${i}`)));
    expect(await killBackends(applicationName)).toBeGreaterThan(0);
    expect(await store.getRecord('t1', 'deal', 'a')).toBeUndefined();
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a')));
    expect(await killBackends(applicationName)).toBeGreaterThan(0);
    expect((await store.listRecords('t1', 'deal', 10)).map((r) => r.id)).toEqual(['a']);
  });

  it('runs a transaction again when its connection dies before COMMIT, committing it once', async () => {
    const applicationName = `sy_retry_${process.pid}`;
    const store = await makePostgresStore({ applicationName, poolSize: 2 });
    const rec = newRecord('t1', 'a', { n: 1 });
    let runs = 0;
    await store.transaction(async (tx) => {
      runs++;
      await tx.insertRecord(rec);
      await tx.appendChange(newChange(rec));
      if (runs === 1) expect(await killBackends(applicationName, 'idle in transaction')).toBe(1);
      await tx.insertExecutions([newExecution({ tenant: 't1', recordId: 'a' })]);
    });
    expect(runs).toBe(2);
    expect((await store.getRecord('t1', 'deal', 'a'))?.data).toEqual({ n: 1 });
    expect(await store.listChanges('t1', 'deal', 'a')).toHaveLength(1);
    expect(await store.countExecutionsByStatus('t1')).toEqual({ queued: 1 });
  });

  it('runs a transaction again when PostgreSQL picks it as a deadlock victim', async () => {
    const store = await makePostgresStore();
    await store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'a', { n: 0 }));
      await tx.insertRecord(newRecord('t1', 'b', { n: 0 }));
    });
    let locked = 0;
    let release: () => void = () => undefined;
    const bothLocked = new Promise<void>((resolve) => { release = resolve; });
    let runs = 0;
    const crosswise = (first: string, second: string) => store.transaction(async (tx) => {
      runs++;
      const one = await tx.getRecordForUpdate('t1', 'deal', first);
      if (++locked === 2) release();
      await bothLocked; // each holds one row and now asks for the other's
      const two = await tx.getRecordForUpdate('t1', 'deal', second);
      for (const row of [one, two]) {
        if (!row) throw new Error('missing');
        await tx.updateRecord({ ...row, version: row.version + 1, data: { n: (row.data.n as number) + 1 } }, row.version);
      }
    });
    await Promise.all([crosswise('a', 'b'), crosswise('b', 'a')]);
    expect(runs).toBe(3); // the victim ran twice
    expect((await store.getRecord('t1', 'deal', 'a'))?.data).toEqual({ n: 2 });
    expect((await store.getRecord('t1', 'deal', 'b'))?.data).toEqual({ n: 2 });
  });

  it('reports an unreachable server as STORE_UNAVAILABLE (retryable), never hangs', async () => {
    const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMs: 1000, maxAttempts: 2 });
    try {
      for (const attempt of [
        () => store.getRecord('t', 'deal', 'x'),
        () => store.transaction((tx) => tx.getCatalogRevision('t')),
        () => store.claimExecutions({ workerId: 'w', now: 0, limit: 1, leaseMs: 1 }),
        () => store.notifyQueued(),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SwitchyardError);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, status: 503 });
      }
    } finally {
      await store.close();
    }
  });

  it('re-listens after its LISTEN connection is killed, and wakes listeners again', async () => {
    const store = await makePostgresStore();
    let wakes = 0;
    store.onWake(() => { wakes++; });
    await store.listening();
    const pid = store.listenerPid;
    expect(pid).toBeDefined();
    await withPgAdmin((admin) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
    await eventually(() => store.listenerPid !== undefined && store.listenerPid !== pid);
    const before = wakes;
    await eventually(async () => { await store.notifyQueued(); return wakes > before; });
  });

  it('recovers when a migration in another process changes a table its prepared statements read', async () => {
    const store = await makePostgresStore({ poolSize: 1 });
    await store.transaction((tx) => tx.insertRecord({ tenant: 't', type: 'deal', id: 'd1', version: 1, data: {}, createdAt: 1, updatedAt: 1 }));
    expect(await store.listRecords('t', 'deal', 10)).toHaveLength(1); // prepared and planned on the one connection
    await withPgAdmin((admin) => admin.query(`ALTER TABLE ${store.schema}.records ADD COLUMN added_later integer`));
    expect(await store.listRecords('t', 'deal', 10)).toHaveLength(1);
    expect(await store.transaction((tx) => tx.getRecordForUpdate('t', 'deal', 'd1'))).toMatchObject({ id: 'd1' });
  });

  it('has a constraint that refuses two running executions in one lane, whatever the claim does', async () => {
    const store = await makePostgresStore();
    const rows = [newExecution({ tenant: 't1', recordId: 'r' }), newExecution({ tenant: 't1', recordId: 'r' })];
    await insertExecutions(store, rows);
    const error = await withPgAdmin((admin) => admin.query(
      `UPDATE ${store.schema}.executions SET status = 'running' WHERE tenant = 't1'`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505', constraint: 'executions_one_running_per_lane' });
  });
});
