// API-defined object type versions (Store.insertObjectTypeVersion, listObjectTypeVersions,
// listCurrentObjectTypes), on both stores: versions are per tenant and type, immutable, a taken
// version number stores nothing, and storing one bumps the tenant's catalog revision (so every
// process's next write reloads its types).
import { expect, it } from 'vitest';
import type { ObjectTypeVersionRow } from '../../src/domain/object-type-versions.js';
import { T0, type StoreHarness } from './fixtures.js';

const A = 'types-a';
const B = 'types-b';
const version = (over: Partial<ObjectTypeVersionRow> & Pick<ObjectTypeVersionRow, 'type' | 'version'>): ObjectTypeVersionRow => ({
  tenant: A, definition: { fields: { region: { type: 'string', values: ['EMEA', 'AMER'] } } }, hash: `h${over.version}`, createdBy: 'ada', createdAt: T0, ...over,
});

export function objectTypesContract(h: StoreHarness): void {
  it('stores versions per tenant and type, lists them in order and the newest per type, and bumps only that tenant\'s revision', async () => {
    const store = await h.open();
    const [revisionA, revisionB] = [await store.getCatalogRevision(A), await store.getCatalogRevision(B)];
    expect(await store.insertObjectTypeVersion(version({ type: 'deal', version: 1 }))).toBe(true);
    expect(await store.getCatalogRevision(A)).toBe(revisionA + 1);
    const second = version({ type: 'deal', version: 2, definition: { fields: { region: { type: 'string' }, tier: { type: 'integer', required: true } }, rules: [{ name: 'r', require: 'true', message: 'm' }] }, createdAt: T0 + 5 });
    expect(await store.insertObjectTypeVersion(second)).toBe(true);
    expect(await store.insertObjectTypeVersion(version({ type: 'invoice', version: 1 }))).toBe(true);
    expect(await store.insertObjectTypeVersion(version({ tenant: B, type: 'deal', version: 1 }))).toBe(true);
    expect(await store.getCatalogRevision(A)).toBe(revisionA + 3);
    expect(await store.getCatalogRevision(B)).toBe(revisionB + 1);

    expect((await store.listObjectTypeVersions(A)).map((v) => `${v.type}@${v.version}`)).toEqual(['deal@1', 'deal@2', 'invoice@1']);
    expect(await store.listObjectTypeVersions(A, 'deal')).toEqual([version({ type: 'deal', version: 1 }), second]);
    expect((await store.listCurrentObjectTypes(A)).map((v) => `${v.type}@${v.version}`)).toEqual(['deal@2', 'invoice@1']);
    expect((await store.listCurrentObjectTypes(B)).map((v) => `${v.tenant}/${v.type}@${v.version}`)).toEqual(['types-b/deal@1']);
    expect(await store.listObjectTypeVersions('nobody')).toEqual([]);
  });

  it('a version number already taken stores nothing, keeps the first one, and does not bump the revision', async () => {
    const store = await h.open();
    expect(await store.insertObjectTypeVersion(version({ type: 'deal', version: 1, hash: 'first' }))).toBe(true);
    const revision = await store.getCatalogRevision(A);
    expect(await store.insertObjectTypeVersion(version({ type: 'deal', version: 1, hash: 'second', createdBy: 'mallory' }))).toBe(false);
    expect(await store.getCatalogRevision(A)).toBe(revision);
    expect(await store.listObjectTypeVersions(A, 'deal')).toMatchObject([{ version: 1, hash: 'first', createdBy: 'ada' }]);
  });

  it('another store on the same database (another process, on PostgreSQL) sees a stored version at once', async () => {
    const store = await h.open();
    const peer = h.openPeer ? await h.openPeer() : store;
    const before = await peer.getCatalogRevision(A);
    await store.insertObjectTypeVersion(version({ type: 'deal', version: 1 }));
    expect(await peer.getCatalogRevision(A)).toBe(before + 1);
    expect((await peer.listCurrentObjectTypes(A)).map((v) => v.definition)).toEqual([version({ type: 'deal', version: 1 }).definition]);
  });
}
