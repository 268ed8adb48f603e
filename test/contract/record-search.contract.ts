// Contract: finding records (findRecords, countRecords, ensureFieldIndexes). Both stores must
// answer exactly what records/record-query.ts's in-memory reference answers, for generated
// records (values of the wrong JSON type and unset fields among them) and generated queries,
// page after page through the keyset cursor.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { RecordData, RecordRow } from '../../src/domain/types.js';
import {
  findInMemory, matchesFilter, positionOf, type FieldFilter, type FieldKind, type FilterOp, type RecordQuery, type RecordSort,
} from '../../src/records/record-query.js';
import type { Store } from '../../src/store/port.js';
import { newRecord, type StoreHarness, T0 } from './fixtures.js';

// Texts whose byte order differs from a locale's (case, accents, digits, the empty string).
const TEXTS = ['', 'a', 'B', 'b', 'Z', 'é', 'e', '10', '9', 'Proposal', 'proposal', 'ß', '日本'];
const NUMBERS = [-1e6, -2.5, -1, 0, 0.1, 1, 2, 10, 99.99, 1e15];
const FIELDS: { field: string; kind: FieldKind }[] = [
  { field: 'stage', kind: 'text' }, { field: 'amount', kind: 'number' }, { field: 'won', kind: 'boolean' },
];

const textValue = fc.constantFrom(...TEXTS);
const numberValue = fc.constantFrom(...NUMBERS);
/** A field's stored value: of its kind, of another kind (stale), or unset. */
const stored = (kind: FieldKind) => fc.oneof(
  { weight: 6, arbitrary: kind === 'text' ? textValue : kind === 'number' ? numberValue : fc.boolean() },
  { weight: 1, arbitrary: kind === 'text' ? numberValue : textValue },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const recordData = fc.record({ stage: stored('text'), amount: stored('number'), won: stored('boolean') })
  .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as RecordData);
const dataset = fc.array(fc.tuple(recordData, fc.integer({ min: 0, max: 5 })), { minLength: 0, maxLength: 25 });

const filterArb: fc.Arbitrary<FieldFilter> = fc.constantFrom(...FIELDS).chain(({ field, kind }) => {
  const ops: FilterOp[] = kind === 'boolean' ? ['eq', 'ne'] : ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];
  const value = kind === 'text' ? textValue : kind === 'number' ? numberValue : fc.boolean();
  return fc.record({ field: fc.constant(field), kind: fc.constant(kind), op: fc.constantFrom(...ops), value });
});
const sortArb: fc.Arbitrary<RecordSort> = fc.record({
  key: fc.constantFrom<RecordSort['key']>(undefined, ...FIELDS, { column: 'updated_at' }),
  descending: fc.boolean(),
});
const queryArb = fc.record({ filters: fc.array(filterArb, { maxLength: 3 }), sort: sortArb, limit: fc.integer({ min: 1, max: 7 }) });

/** Every page in turn, each starting after the last record of the one before. */
async function allPages(store: Store, query: RecordQuery): Promise<RecordRow[][]> {
  const pages: RecordRow[][] = [];
  let after = query.after;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.findRecords({ ...query, after });
    if (page.length > 0) pages.push(page);
    if (page.length < query.limit) return pages;
    after = positionOf(page.at(-1) as RecordRow, query.sort);
  }
  throw new Error('more pages than records');
}

let run = 0;

export function recordSearchContract(h: StoreHarness): void {
  it('filters, sorts and pages exactly as the in-memory reference does, and counts the same', async () => {
    const store = await h.open();
    await fc.assert(fc.asyncProperty(dataset, fc.array(queryArb, { minLength: 1, maxLength: 6 }), async (rows, queries) => {
      const tenant = `prop-${++run}`;
      const records = rows.map(([data, minute], i) => ({ ...newRecord(tenant, `r${String(i).padStart(2, '0')}`, data), updatedAt: T0 + minute * 60_000 }));
      await store.transaction(async (tx) => {
        for (const r of records) await tx.insertRecord(r);
        await tx.insertRecord(newRecord(tenant, 'other-type', { stage: 'a' }, 1, 'lead'));
      });
      for (const q of queries) {
        const query: RecordQuery = { tenant, type: 'deal', ...q };
        const expected = findInMemory(records, { ...query, limit: records.length + 1 });
        const pages = await allPages(store, query);
        expect(pages.flat().map((r) => r.id)).toEqual(expected.map((r) => r.id));
        expect(pages.every((p) => p.length <= query.limit)).toBe(true);
        expect(await store.countRecords(query)).toBe(records.filter((r) => q.filters.every((f) => matchesFilter(r, f))).length);
      }
    }), { numRuns: 25 });
  });

  it('returns whole records of the one tenant and type asked, and the first page of a sort', async () => {
    const store = await h.open();
    await store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'a', { stage: 'Proposal', amount: 10, nested: { x: [1] } }));
      await tx.insertRecord(newRecord('t1', 'b', { stage: 'Proposal', amount: 30 }));
      await tx.insertRecord(newRecord('t1', 'c', { stage: 'Won', amount: 20 }));
      await tx.insertRecord(newRecord('t2', 'a', { stage: 'Proposal' }));
      await tx.insertRecord(newRecord('t1', 'x', { stage: 'Proposal' }, 1, 'lead'));
    });
    const proposal: FieldFilter = { field: 'stage', kind: 'text', op: 'eq', value: 'Proposal' };
    const page = await store.findRecords({ tenant: 't1', type: 'deal', filters: [proposal], sort: { key: { field: 'amount', kind: 'number' }, descending: true }, limit: 10 });
    expect(page.map((r) => r.id)).toEqual(['b', 'a']);
    expect(page[1]).toEqual(newRecord('t1', 'a', { stage: 'Proposal', amount: 10, nested: { x: [1] } }));
    expect(await store.countRecords({ tenant: 't1', type: 'deal', filters: [proposal] })).toBe(2);
    expect(await store.countRecords({ tenant: 't3', type: 'deal', filters: [] })).toBe(0);
  });

  it('keeps a cursor stable while records are inserted before and after it', async () => {
    const store = await h.open();
    const sort: RecordSort = { key: { field: 'amount', kind: 'number' }, descending: false };
    await store.transaction(async (tx) => {
      for (const [id, amount] of [['a', 10], ['b', 20], ['c', 30], ['d', 40]] as const) await tx.insertRecord(newRecord('t1', id, { amount }));
    });
    const first = await store.findRecords({ tenant: 't1', type: 'deal', filters: [], sort, limit: 2 });
    expect(first.map((r) => r.id)).toEqual(['a', 'b']);
    await store.transaction(async (tx) => {
      await tx.insertRecord(newRecord('t1', 'early', { amount: 5 })); // sorts before the cursor: not seen, nothing shifts
      await tx.insertRecord(newRecord('t1', 'tie', { amount: 20 })); // ties the cursor's value, after it by id
      await tx.insertRecord(newRecord('t1', 'late', { amount: 35 }));
    });
    const rest = await store.findRecords({ tenant: 't1', type: 'deal', filters: [], sort, limit: 10, after: positionOf(first[1] as RecordRow, sort) });
    expect(rest.map((r) => r.id)).toEqual(['tie', 'c', 'late', 'd']);
  });

  it('creates each declared field index once, whatever the number of calls', async () => {
    const store = await h.open();
    const indexes = [{ field: 'stage', kind: 'text' as const }, { field: 'amount', kind: 'number' as const }, { field: 'stage', kind: 'text' as const }];
    expect(await store.ensureFieldIndexes(indexes)).toEqual(['records_by_amount_num', 'records_by_stage_text']);
    expect(await store.ensureFieldIndexes(indexes)).toEqual([]);
    expect(await store.ensureFieldIndexes([])).toEqual([]);
    await store.transaction((tx) => tx.insertRecord(newRecord('t1', 'a', { stage: 'Won', amount: 1 })));
    expect((await store.findRecords({ tenant: 't1', type: 'deal', filters: [{ field: 'stage', kind: 'text', op: 'eq', value: 'Won' }], sort: { descending: false }, limit: 5 })).map((r) => r.id)).toEqual(['a']);
  });
}
