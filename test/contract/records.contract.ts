// Contract: records, changes, the catalog, workflow versions, and transactions.
import { expect, it } from 'vitest';
import { isSwitchyardError } from '../../src/errors.js';
import { newChange, newExecution, newRecord, type StoreHarness, T0, workflow, workflowVersion } from './fixtures.js';

export function recordContract(h: StoreHarness): void {
  it('inserts and reads records, and lists them in id order with paging', async () => {
    const store = await h.open();
    await store.transaction(async (tx) => {
      for (const id of ['b', 'a', 'C', 'c']) await tx.insertRecord(newRecord('t1', id, { name: id, n: 1, tags: ['x'], nested: { ok: true } }));
      await tx.insertRecord(newRecord('t2', 'a', { other: 'tenant' }));
    });
    expect(await store.getRecord('t1', 'deal', 'a')).toEqual(newRecord('t1', 'a', { name: 'a', n: 1, tags: ['x'], nested: { ok: true } }));
    expect(await store.getRecord('t1', 'deal', 'missing')).toBeUndefined();
    expect(await store.getRecord('t1', 'lead', 'a')).toBeUndefined();
    const first = await store.listRecords('t1', 'deal', 2);
    expect(first.map((r) => r.id)).toEqual(['C', 'a']); // binary order, as SQLite compares
    const rest = await store.listRecords('t1', 'deal', 10, 'a');
    expect(rest.map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('rejects a second insert of the same record with RECORD_EXISTS', async () => {
    const store = await h.open();
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a')));
    const error = await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a', { again: true }))).catch((e: unknown) => e);
    expect(isSwitchyardError(error) && error.code).toBe('RECORD_EXISTS');
    expect((await store.getRecord('t1', 'deal', 'a'))?.data).toEqual({});
  });

  it('keeps the transaction usable after RECORD_EXISTS, so the caller may go on and commit', async () => {
    const store = await h.open();
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a')));
    await store.transaction(async (tx) => {
      const error = await tx.insertRecord(newRecord('t1', 'a')).catch((e: unknown) => e);
      expect(isSwitchyardError(error) && error.code).toBe('RECORD_EXISTS');
      await tx.insertRecord(newRecord('t1', 'b'));
    });
    expect(await store.getRecord('t1', 'deal', 'b')).toBeDefined();
  });

  it('updates only at the expected version: a stale version returns false and writes nothing', async () => {
    const store = await h.open();
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a', { stage: 'new' })));
    const v2 = { ...newRecord('t1', 'a', { stage: 'won' }, 2), updatedAt: T0 + 5 };
    expect(await store.transaction((tx) => tx.updateRecord(v2, 1))).toBe(true);
    const stale = newRecord('t1', 'a', { stage: 'lost' }, 2);
    expect(await store.transaction((tx) => tx.updateRecord(stale, 1))).toBe(false);
    expect(await store.getRecord('t1', 'deal', 'a')).toEqual(v2);
  });

  it('deletes only at the expected version', async () => {
    const store = await h.open();
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a', {}, 3)));
    expect(await store.transaction((tx) => tx.deleteRecord('t1', 'deal', 'a', 2))).toBe(false);
    expect(await store.getRecord('t1', 'deal', 'a')).toBeDefined();
    expect(await store.transaction((tx) => tx.deleteRecord('t1', 'deal', 'a', 3))).toBe(true);
    expect(await store.getRecord('t1', 'deal', 'a')).toBeUndefined();
    expect(await store.transaction((tx) => tx.deleteRecord('t1', 'deal', 'a', 3))).toBe(false);
  });

  it('lists a record\'s newest changes first, at most the limit asked, and no other record\'s', async () => {
    const store = await h.open();
    const rec = newRecord('t1', 'a', { amount: 10 });
    const changes = [0, 1, 2].map((i) => newChange(rec, { operation: i === 0 ? 'created' : 'updated', at: T0 + i }));
    await store.transaction(async (tx) => {
      for (const c of changes) await tx.appendChange(c);
      await tx.appendChange(newChange(newRecord('t1', 'other')));
      await tx.appendChange(newChange(newRecord('t2', 'a')));
    });
    const ids = (list: { id: string }[]): string[] => list.map((c) => c.id);
    expect(ids(await store.listRecentChanges('t1', 'deal', 'a', 2))).toEqual([changes[2]?.id, changes[1]?.id]);
    expect(ids(await store.listRecentChanges('t1', 'deal', 'a', 10))).toEqual(ids([...changes].reverse()));
    expect(await store.listRecentChanges('t1', 'deal', 'missing', 10)).toEqual([]);
  });

  it('appends changes and lists a record\'s history in order, with every field intact', async () => {
    const store = await h.open();
    const rec = newRecord('t1', 'a', { amount: 10 });
    const created = newChange(rec);
    const updated = newChange(rec, {
      operation: 'updated', before: { amount: 10 }, after: { amount: 20 }, changedFields: ['amount'], versionBefore: 1, versionAfter: 2,
      actor: { kind: 'workflow', workflowId: 'wf', version: 3, executionId: 'exe-1', stepId: 's' },
      cause: { rootChangeId: created.id, depth: 1, executionId: 'exe-1', workflowId: 'wf', version: 3 }, at: T0 + 1,
    });
    const deleted = newChange(rec, { operation: 'deleted', before: { amount: 20 }, after: null, changedFields: [], versionBefore: 2, versionAfter: null, at: T0 + 2 });
    await store.transaction(async (tx) => {
      await tx.appendChange(created);
      await tx.appendChange(updated);
    });
    await store.transaction((tx) => tx.appendChange(deleted));
    await store.transaction((tx) => tx.appendChange(newChange(newRecord('t1', 'other'))));
    const history = await store.listChanges('t1', 'deal', 'a');
    expect(history.map(({ seq: _seq, ...c }) => c)).toEqual([created, updated, deleted]);
    const seqs = history.map((c) => c.seq ?? 0);
    expect(seqs[0]).toBeLessThan(seqs[1] ?? 0);
    expect(seqs[1]).toBeLessThan(seqs[2] ?? 0);
    expect(await store.getChange('t1', updated.id)).toMatchObject(updated);
    expect(await store.getChange('t2', updated.id)).toBeUndefined();
  });

  it('keeps a catalog revision per tenant, bumped inside transactions', async () => {
    const store = await h.open();
    expect(await store.getCatalogRevision('t1')).toBe(0);
    expect(await store.transaction((tx) => tx.bumpCatalogRevision('t1'))).toBe(1);
    expect(await store.transaction(async (tx) => {
      const bumped = await tx.bumpCatalogRevision('t1');
      expect(await tx.getCatalogRevision('t1')).toBe(bumped);
      return bumped;
    })).toBe(2);
    expect(await store.getCatalogRevision('t1')).toBe(2);
    expect(await store.getCatalogRevision('t2')).toBe(0);
    expect(await store.transaction((tx) => tx.getCatalogRevision('t2'))).toBe(0);
  });

  it('stores immutable workflow versions and the workflow row that points at them', async () => {
    const store = await h.open();
    await store.transaction(async (tx) => {
      expect(await tx.getLatestVersion('t1', 'wf')).toBeUndefined();
      expect(await tx.getWorkflow('t1', 'wf')).toBeUndefined();
      await tx.insertWorkflowVersion(workflowVersion('t1', 'wf', 1));
      await tx.insertWorkflowVersion(workflowVersion('t1', 'wf', 2));
      await tx.insertWorkflowVersion(workflowVersion('t1', 'off', 1));
      await tx.insertWorkflowVersion(workflowVersion('t2', 'wf', 1));
      await tx.upsertWorkflow(workflow('t1', 'wf', { latestVersion: 2, activeVersion: 2 }));
      await tx.upsertWorkflow(workflow('t1', 'off', { enabled: false }));
      expect(await tx.getLatestVersion('t1', 'wf')).toEqual(workflowVersion('t1', 'wf', 2));
    });
    // Roll back to version 1: the workflow row moves, the versions stay.
    await store.transaction((tx) => tx.upsertWorkflow(workflow('t1', 'wf', { latestVersion: 2, activeVersion: 1, updatedAt: T0 + 9 })));
    expect(await store.transaction((tx) => tx.getWorkflow('t1', 'wf'))).toEqual(workflow('t1', 'wf', { latestVersion: 2, activeVersion: 1, updatedAt: T0 + 9 }));
    expect((await store.listWorkflows('t1')).map((w) => [w.workflowId, w.enabled])).toEqual([['off', false], ['wf', true]]);
    expect(await store.listWorkflowVersions('t1', 'wf')).toEqual([workflowVersion('t1', 'wf', 1), workflowVersion('t1', 'wf', 2)]);
    expect(await store.getWorkflowVersion('t1', 'wf', 2)).toEqual(workflowVersion('t1', 'wf', 2));
    expect(await store.getWorkflowVersion('t1', 'wf', 3)).toBeUndefined();
    expect(await store.listActiveVersions('t1')).toEqual([workflowVersion('t1', 'wf', 1)]);
    expect(await store.listWorkflows('t3')).toEqual([]);
  });

  it('gives two racing deploys of one workflow consecutive versions (the loser runs again)', async () => {
    const store = await h.open();
    const peer = h.openPeer ? await h.openPeer() : store;
    await store.transaction((tx) => tx.insertWorkflowVersion(workflowVersion('t1', 'wf', 1)));
    let read = 0;
    let runs = 0;
    let bothRead: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => { bothRead = resolve; });
    // Where transactions are serialized (SQLite) the barrier times out and they simply run in turn.
    const deploy = (via: typeof store) => via.transaction(async (tx) => {
      runs++;
      const latest = await tx.getLatestVersion('t1', 'wf');
      if (++read === 2) bothRead();
      await Promise.race([barrier, new Promise((resolve) => setTimeout(resolve, 200))]);
      const next = (latest?.version ?? 0) + 1;
      await tx.insertWorkflowVersion(workflowVersion('t1', 'wf', next));
      return next;
    });
    const versions = await Promise.all([deploy(store), deploy(peer)]);
    expect(versions.sort()).toEqual([2, 3]);
    expect(runs).toBe(h.openPeer ? 3 : 2); // concurrent stores: one lost the race and ran again
    expect((await store.listWorkflowVersions('t1', 'wf')).map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it('rolls back everything when the transaction function throws: record, change and executions', async () => {
    const store = await h.open();
    const rec = newRecord('t1', 'a', { amount: 1 });
    const boom = new Error('boom');
    const error = await store.transaction(async (tx) => {
      await tx.insertRecord(rec);
      await tx.appendChange(newChange(rec));
      expect(await tx.insertExecutions([newExecution({ tenant: 't1', recordId: 'a' })])).toBe(1);
      await tx.bumpCatalogRevision('t1');
      throw boom;
    }).catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect(await store.getRecord('t1', 'deal', 'a')).toBeUndefined();
    expect(await store.listChanges('t1', 'deal', 'a')).toEqual([]);
    expect(await store.listExecutions({ tenant: 't1' })).toEqual([]);
    expect(await store.countExecutionsByStatus()).toEqual({});
    expect(await store.getCatalogRevision('t1')).toBe(0);
    expect(await store.nextRunAt()).toBeUndefined();
    expect(await store.claimExecutions({ workerId: 'w', now: T0, limit: 10, leaseMs: 1000 })).toEqual([]);
    // The store is still usable, and returns what fn returns.
    expect(await store.transaction(async (tx) => { await tx.insertRecord(rec); return 'ok'; })).toBe('ok');
  });

  it('loses no update: 200 concurrent read-modify-write transactions end at 200', async () => {
    const store = await h.open();
    const peer = h.openPeer ? await h.openPeer() : store;
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'counter', { n: 0 })));
    const increment = (via: typeof store) => via.transaction(async (tx) => {
      const current = await tx.getRecordForUpdate('t1', 'deal', 'counter');
      if (!current) throw new Error('missing');
      const n = current.data.n as number;
      const ok = await tx.updateRecord({ ...current, version: current.version + 1, data: { n: n + 1 } }, current.version);
      if (!ok) throw new Error('lost the row lock: version moved under FOR UPDATE');
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => increment(i % 2 === 0 ? store : peer)));
    const final = await store.getRecord('t1', 'deal', 'counter');
    expect(final?.data).toEqual({ n: 200 });
    expect(final?.version).toBe(201);
  });
}
