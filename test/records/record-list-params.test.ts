// The list query string -> a typed request (names and values checked against the object type),
// the cursor, and `objects.<type>.indexes` in config.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { isSwitchyardError, type SwitchyardError } from '../../src/errors.js';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../src/records/record-cursor.js';
import { parseRecordListParams } from '../../src/records/record-list-params.js';
import { declaredFieldIndexes, MAX_FIELD_FILTERS, type RecordSort } from '../../src/records/record-query.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';

const deal = resolveObjectTypes({ deal: { fields: { seats: { type: 'integer' } } } }).get('deal')!;

function expectProblemAt(p: { path: string; message: string } | undefined, path: string, message: RegExp): void {
  expect(p?.path).toBe(path);
  expect(p?.message).toMatch(message);
}

function failure(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (error) {
    if (isSwitchyardError(error)) return error;
    throw error;
  }
  throw new Error('expected a SwitchyardError');
}

describe('parseRecordListParams', () => {
  it('turns field parameters into typed filters and leaves the reserved ones to their meaning', () => {
    const request = parseRecordListParams(deal, { stage: 'Proposal', 'amount[gte]': '1.5e3', seats: '-3', limit: 20, sort: '-close_date', count: true, where: 'true' });
    expect(request).toEqual({
      filters: [
        { field: 'stage', kind: 'text', op: 'eq', value: 'Proposal' },
        { field: 'amount', kind: 'number', op: 'gte', value: 1500 },
        { field: 'seats', kind: 'number', op: 'eq', value: -3 },
      ],
      sort: { key: { field: 'close_date', kind: 'text' }, descending: true },
      limit: 20, after: undefined, where: 'true', count: true,
    });
    expect(parseRecordListParams(deal, { sort: 'updatedAt' }).sort).toEqual({ key: { column: 'updated_at' }, descending: false });
    expect(parseRecordListParams(deal, { sort: '-id' }).sort).toEqual({ descending: true });
  });

  it('refuses number spellings JavaScript would accept but a user did not mean', () => {
    expect(failure(() => parseRecordListParams(deal, { stage: 'a\u0000b' })).problems[0]?.message).toMatch(/NUL/);
    for (const raw of ['', ' 5', '0x10', 'Infinity', '1e999', '5,0', '1_000']) {
      expect(failure(() => parseRecordListParams(deal, { amount: raw })).problems[0]?.path, raw).toBe('/querystring/amount');
    }
  });

  it('names every unknown parameter at once, before any value problem', () => {
    const error = failure(() => parseRecordListParams(deal, { stag: 'x', 'Amount': '1', 'amount[gte]': 'x', 'stage[like]': 'a%' }));
    expect(error.code).toBe('UNKNOWN_PARAMETER');
    expect(error.problems.map((p) => p.path)).toEqual(['/querystring/stag', '/querystring/Amount', '/querystring/stage[like]']);
  });

  it('refuses a repeated filter and more than the maximum of filters', () => {
    expect(failure(() => parseRecordListParams(deal, { stage: ['a', 'b'] })).problems[0]?.message).toMatch(/more than once/);
    const ops = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];
    const distinct = Object.fromEntries(['name', 'stage', 'owner', 'owner_team'].flatMap((f) => ops.map((op) => [`${f}[${op}]`, 'x'])));
    expect(Object.keys(distinct).length).toBeGreaterThan(MAX_FIELD_FILTERS);
    expect(failure(() => parseRecordListParams(deal, distinct)).problems[0]?.message).toMatch(new RegExp(`at most ${MAX_FIELD_FILTERS}`));
  });
});

describe('cursor', () => {
  const sort: RecordSort = { key: { field: 'amount', kind: 'number' }, descending: true };
  const fingerprint = queryFingerprint('deal', { filters: [], sort, where: undefined });

  it('round-trips a position, and is bound to its query', () => {
    const cursor = encodeCursor({ value: 12.5, id: 'd1' }, fingerprint);
    expect(decodeCursor(cursor, fingerprint, sort)).toEqual({ value: 12.5, id: 'd1' });
    expect(decodeCursor(encodeCursor({ value: null, id: 'd9' }, fingerprint), fingerprint, sort)).toEqual({ value: null, id: 'd9' });
    const other = queryFingerprint('deal', { filters: [{ field: 'stage', kind: 'text', op: 'eq', value: 'Won' }], sort, where: undefined });
    expectProblemAt(failure(() => decodeCursor(cursor, other, sort)).problems[0], '/querystring/after', /another query/);
  });

  it('refuses forged and garbled cursors with a 400 naming after', () => {
    const forged = Buffer.from(JSON.stringify({ v: 1, q: fingerprint, s: 'text', i: 'd1' })).toString('base64url');
    const nul = Buffer.from(JSON.stringify({ v: 1, q: fingerprint, s: 1, i: 'd\u0000' })).toString('base64url');
    for (const text of [forged, nul, 'not-a-cursor', '', Buffer.from('[]').toString('base64url'), 'x'.repeat(5000)]) {
      const error = failure(() => decodeCursor(text, fingerprint, sort));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.problems[0]?.path).toBe('/querystring/after');
    }
  });
});

describe('objects.<type>.indexes in config', () => {
  it('declares expression indexes by field kind', () => {
    const config = resolveConfig({ objects: { deal: { indexes: ['stage', 'amount'] }, lead: { indexes: ['welcome_sent'] } } });
    expect(declaredFieldIndexes(config.objectTypes.values())).toEqual([
      { field: 'welcome_sent', kind: 'boolean' }, { field: 'stage', kind: 'text' }, { field: 'amount', kind: 'number' },
    ]);
  });

  it('refuses an index on a field the type does not have, naming the file and path', () => {
    const error = failure(() => resolveConfig({ objects: { deal: { indexes: ['stage', 'stgae'] } } }, {}, 'switchyard.yaml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems).toEqual([{ file: 'switchyard.yaml', path: '/objects/deal/indexes/1', message: 'deal has no field "stgae" to index' }]);
  });
});
