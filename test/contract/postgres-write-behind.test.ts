// PostgreSQL write-behind (StoreTx.deferWrites): record updates of locked records and change
// appends are decided in memory and sent in one set-based statement before anything that could
// read them and before COMMIT. The rows they leave must be the ones the single-row path leaves,
// errors must still reach the transaction, and savepoints must still undo exactly their own work.
// Skipped, loudly, when SWITCHYARD_TEST_DATABASE_URL is unset or the database is unreachable.
import { expect, it } from 'vitest';
import type { ChangeRow, RecordRow } from '../../src/domain/types.js';
import type { RecordKey, Store, StoreTx } from '../../src/store/port.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { describePostgres, makePostgresStore } from '../helpers/stores.js';
import { newChange, newRecord, T0 } from './fixtures.js';

const key = (tenant: string, id: string): RecordKey => ({ tenant, type: 'deal', id });
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${String(i).padStart(2, '0')}`);

function defer(tx: StoreTx): void {
  if (!tx.deferWrites) throw new Error('this store has no deferWrites');
  tx.deferWrites();
}

/** Data that exercises the JSON encoding: quotes, backslashes, unicode, nesting, nulls inside, numbers. */
const awkward = (i: number): RecordRow['data'] => ({
  name: `deal "${i}" \\ back\\slash, {brace} 'quote' é ✓ \u0001`, amount: i * 1.5, tags: ['a', `b${i}`, ''],
  nested: { deep: { list: [1, { x: null }], flag: i % 2 === 0 } },
});

async function seed(store: Store, tenant: string, n: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ids(n)) await tx.insertRecord(newRecord(tenant, id, { name: `seed ${id}` }));
  });
}

/**
 * The batch runner's write path for `writes` updates spread over `records` records (a record may be
 * written twice): lock them all, then per write check the catalog, read the locked row, update it
 * and append its change. `deferred` calls deferWrites after lockRecords, as the batch runner does.
 */
async function writeBatch(tx: StoreTx, tenant: string, records: number, writes: number, deferred: boolean): Promise<void> {
  const recordIds = ids(records);
  await tx.lockRecords(recordIds.map((id) => key(tenant, id)));
  if (deferred) defer(tx);
  for (let i = 0; i < writes; i++) {
    const id = recordIds[i % records] as string;
    expect(await tx.getCatalogRevision(tenant)).toBe(0);
    const current = await tx.getRecordForUpdate(tenant, 'deal', id) as RecordRow;
    const after: RecordRow = { ...current, version: current.version + 1, data: awkward(i), updatedAt: T0 + 100 + i };
    expect(await tx.updateRecord(after, current.version)).toBe(true);
    const change = newChange(after, {
      id: `${tenant}-chg-${i}`, operation: 'updated', before: current.data, after: after.data, changedFields: ['name', 'amount'],
      versionBefore: current.version, versionAfter: after.version, actor: { kind: 'workflow', workflowId: `wf "${i}"`, version: 1, executionId: `exe-${i}`, stepId: 'update' },
      cause: { rootChangeId: `${tenant}-root`, depth: i % 3, parentChangeId: `${tenant}-parent`, workflowId: 'wf' } as ChangeRow['cause'],
      at: T0 + 100 + i,
    });
    await tx.appendChange(change);
    // The caller may reuse its objects: what was buffered must not change with them.
    after.data.name = 'mutated after the call';
    change.changedFields.push('mutated');
  }
}

/** A tenant's records and changes with the tenant taken out, and seq replaced by its rank, so that two tenants compare. */
async function stored(store: Store, tenant: string): Promise<{ records: unknown[]; changes: unknown[] }> {
  const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value).split(tenant).join('T'));
  const records = await store.listRecords(tenant, 'deal', 1000);
  const changes: ChangeRow[] = [];
  for (const r of records) changes.push(...await store.listChanges(tenant, 'deal', r.id));
  const seqs = changes.map((c) => c.seq as number).sort((a, b) => a - b);
  return {
    records: records.map(strip),
    changes: changes.sort((a, b) => (a.seq as number) - (b.seq as number)).map((c) => strip({ ...c, seq: seqs.indexOf(c.seq as number) })),
  };
}

async function statements<T>(store: Store, fn: () => Promise<T>): Promise<{ result: T; sent: number }> {
  const before = (store as PostgresStore).statementCount();
  const result = await fn();
  return { result, sent: (store as PostgresStore).statementCount() - before };
}

await describePostgres('PostgreSQL write-behind (deferWrites)', () => {
  it('leaves the same records and changes as the single-row path, for 50 updates of 40 records and 50 changes', async () => {
    const store = await makePostgresStore();
    await seed(store, 'acme-single', 40);
    await seed(store, 'acme-deferred', 40);
    await store.transaction((tx) => writeBatch(tx, 'acme-single', 40, 50, false));
    await store.transaction((tx) => writeBatch(tx, 'acme-deferred', 40, 50, true));
    const plain = await stored(store, 'acme-single');
    expect(plain.changes).toHaveLength(50);
    expect(plain.records.filter((r) => (r as RecordRow).version === 3)).toHaveLength(10); // written twice
    expect(await stored(store, 'acme-deferred')).toEqual(plain);
  });

  it('sends a constant number of statements: the same for 2 writes as for 50', async () => {
    const store = await makePostgresStore();
    await seed(store, 'small', 2);
    await seed(store, 'large', 50);
    await seed(store, 'plain', 50);
    const small = await statements(store, () => store.transaction((tx) => writeBatch(tx, 'small', 2, 2, true)));
    const large = await statements(store, () => store.transaction((tx) => writeBatch(tx, 'large', 50, 50, true)));
    const plain = await statements(store, () => store.transaction((tx) => writeBatch(tx, 'plain', 50, 50, false)));
    // BEGIN, lockRecords, one catalog revision read, the flush, COMMIT.
    expect(small.sent).toBe(5);
    expect(large.sent).toBe(small.sent);
    // Single-row: BEGIN, lockRecords, then per write the revision, the update and the change, COMMIT.
    expect(plain.sent).toBe(3 + 50 * 3);
    process.stderr.write(`write-behind statements: 2 writes ${small.sent}, 50 writes ${large.sent}; single-row 50 writes ${plain.sent}\n`);
  });

  it('reports a version conflict without a statement, and writes nothing for it', async () => {
    const store = await makePostgresStore();
    await seed(store, 't1', 1);
    await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'r00')]);
      defer(tx);
      const current = await tx.getRecordForUpdate('t1', 'deal', 'r00') as RecordRow;
      const { result, sent } = await statements(store, () => tx.updateRecord({ ...current, version: 5, data: { x: 1 } }, 4));
      expect(result).toBe(false);
      expect(sent).toBe(0);
      // The cache still holds the stored row, so the right version still goes through.
      expect(await tx.updateRecord({ ...current, version: 2, data: { x: 2 } }, 1)).toBe(true);
      expect(await tx.updateRecord({ ...current, version: 3, data: { x: 3 } }, 1)).toBe(false);
    });
    expect(await store.getRecord('t1', 'deal', 'r00')).toMatchObject({ version: 2, data: { x: 2 } });
  });

  it('an error raised by the flush (a duplicate change id) rejects the transaction and rolls all of it back', async () => {
    const store = await makePostgresStore();
    await seed(store, 't1', 2);
    const record = newRecord('t1', 'r00', { name: 'seed r00' });
    await store.transaction((tx) => tx.appendChange(newChange(record, { id: 'taken' })));
    const failed = store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'r00'), key('t1', 'r01')]);
      defer(tx);
      expect(await tx.updateRecord({ ...record, version: 2, data: { name: 'new' } }, 1)).toBe(true);
      await tx.appendChange(newChange(record, { id: 'fresh' }));
      await tx.appendChange(newChange(record, { id: 'taken' }));
      return 'committed';
    });
    await expect(failed).rejects.toMatchObject({ code: '23505', constraint: 'changes_id_key' });
    expect(await store.getRecord('t1', 'deal', 'r00')).toMatchObject({ version: 1, data: { name: 'seed r00' } });
    expect((await store.listChanges('t1', 'deal', 'r00')).map((c) => c.id)).toEqual(['taken']);
  });

  it('flushes before a statement that reads the records: a delete, and a read after a savepoint rollback, see the buffered update', async () => {
    const store = await makePostgresStore();
    await seed(store, 't1', 2);
    await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'r00'), key('t1', 'r01')]);
      defer(tx);
      const r00 = await tx.getRecordForUpdate('t1', 'deal', 'r00') as RecordRow;
      const r01 = await tx.getRecordForUpdate('t1', 'deal', 'r01') as RecordRow;
      expect(await tx.updateRecord({ ...r00, version: 2, data: { name: 'two' } }, 1)).toBe(true);
      expect(await tx.updateRecord({ ...r01, version: 2, data: { name: 'two' } }, 1)).toBe(true);
      // Only a row at version 2 matches: the update must be in the database before the delete.
      expect(await tx.deleteRecord('t1', 'deal', 'r00', 2)).toBe(true);
      // A failed savepoint forgets the lock cache, so the next read goes to the database.
      await expect(tx.savepoint(() => Promise.reject(new Error('undo nothing')))).rejects.toThrow('undo nothing');
      expect(await tx.getRecordForUpdate('t1', 'deal', 'r01')).toMatchObject({ version: 2, data: { name: 'two' } });
    });
    expect(await store.getRecord('t1', 'deal', 'r00')).toBeUndefined();
    expect(await store.getRecord('t1', 'deal', 'r01')).toMatchObject({ version: 2, data: { name: 'two' } });
  });

  it('a savepoint rollback leaves nothing of the deferred writes inside it, buffered or flushed; a released one keeps them', async () => {
    const store = await makePostgresStore();
    await seed(store, 't1', 3);
    await store.transaction(async (tx) => {
      await tx.lockRecords(ids(3).map((id) => key('t1', id)));
      defer(tx);
      const [r00, r01, r02] = ids(3).map((id) => newRecord('t1', id));
      const write = async (r: RecordRow, name: string): Promise<void> => {
        const current = await tx.getRecordForUpdate('t1', 'deal', r.id) as RecordRow;
        expect(await tx.updateRecord({ ...current, version: current.version + 1, data: { name } }, current.version)).toBe(true);
        await tx.appendChange(newChange(current, { id: `${r.id}-${name}`, operation: 'updated' }));
      };
      await write(r00 as RecordRow, 'before');
      await expect(tx.savepoint(async () => {
        await write(r01 as RecordRow, 'undone');
        await tx.insertRecord(newRecord('t1', 'r99')); // flushes r01's write: the database undoes that part
        await write(r02 as RecordRow, 'undone'); // still buffered: dropped
        throw new Error('roll back');
      })).rejects.toThrow('roll back');
      await tx.savepoint(() => write(r02 as RecordRow, 'kept'));
      // After the rollback r01 is read again, at its stored version.
      await write(r01 as RecordRow, 'after');
    });
    const names = async (id: string): Promise<unknown> => (await store.getRecord('t1', 'deal', id))?.data.name;
    expect([await names('r00'), await names('r01'), await names('r02'), await names('r99')]).toEqual(['before', 'after', 'kept', undefined]);
    expect((await store.getRecord('t1', 'deal', 'r01'))?.version).toBe(2);
    const changes = (await Promise.all(ids(3).map((id) => store.listChanges('t1', 'deal', id)))).flat().map((c) => c.id).sort();
    expect(changes).toEqual(['r00-before', 'r01-after', 'r02-kept']);
  });

  it('keeps the catalog revision for the transaction, except for its own bump', async () => {
    const store = await makePostgresStore();
    await store.transaction((tx) => tx.bumpCatalogRevision('t1'));
    await store.transaction(async (tx) => {
      defer(tx);
      expect(await tx.getCatalogRevision('t1')).toBe(1);
      await store.transaction((other) => other.bumpCatalogRevision('t1')); // a deploy elsewhere commits
      const again = await statements(store, () => tx.getCatalogRevision('t1'));
      expect(again).toEqual({ result: 1, sent: 0 });
      expect(await tx.bumpCatalogRevision('t1')).toBe(3);
      expect(await tx.getCatalogRevision('t1')).toBe(3);
    });
  });

  it('inserts of keys locked as absent are buffered: an update folds into its insert, and a key taken meanwhile is RECORD_EXISTS at the flush', async () => {
    const store = await makePostgresStore();
    const sent = await statements(store, () => store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'n1'), key('t1', 'n2')]);
      defer(tx);
      await tx.insertRecord(newRecord('t1', 'n1', { name: 'one' }));
      await tx.insertRecord(newRecord('t1', 'n2', { name: 'two' }));
      const current = await tx.getRecordForUpdate('t1', 'deal', 'n1') as RecordRow;
      expect(await tx.updateRecord({ ...current, version: 2, data: { name: 'one, patched' }, updatedAt: T0 + 5 }, 1)).toBe(true);
    }));
    expect(sent.sent).toBe(4); // BEGIN, lockRecords, one flush, COMMIT
    expect(await store.getRecord('t1', 'deal', 'n1')).toMatchObject({ version: 2, data: { name: 'one, patched' }, createdAt: T0, updatedAt: T0 + 5 });
    expect(await store.getRecord('t1', 'deal', 'n2')).toMatchObject({ version: 1, data: { name: 'two' } });

    const error = await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'race')]);
      defer(tx);
      await tx.insertRecord(newRecord('t1', 'race', { name: 'mine' }));
      await tx.appendChange(newChange(newRecord('t1', 'race'), { id: 'mine' }));
      // No row to lock for an absent key: another writer inserts it and commits first.
      await store.transaction((other) => other.insertRecord(newRecord('t1', 'race', { name: 'theirs' })));
    }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'RECORD_EXISTS' });
    expect(await store.getRecord('t1', 'deal', 'race')).toMatchObject({ data: { name: 'theirs' } });
    expect(await store.listChanges('t1', 'deal', 'race')).toEqual([]);
  });

  it('a transaction run again after a conflict starts with an empty buffer', async () => {
    const store = await makePostgresStore();
    await seed(store, 't1', 1);
    let attempts = 0;
    await store.transaction(async (tx) => {
      await tx.lockRecords([key('t1', 'r00')]);
      attempts++;
      if (attempts === 1) {
        defer(tx);
        expect(await tx.updateRecord({ ...newRecord('t1', 'r00'), version: 2, data: { name: 'first attempt' } }, 1)).toBe(true);
        await tx.appendChange(newChange(newRecord('t1', 'r00'), { id: 'first-attempt' }));
        throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      }
    });
    expect(attempts).toBe(2);
    expect(await store.getRecord('t1', 'deal', 'r00')).toMatchObject({ version: 1, data: { name: 'seed r00' } });
    expect(await store.listChanges('t1', 'deal', 'r00')).toEqual([]);
  });
});
