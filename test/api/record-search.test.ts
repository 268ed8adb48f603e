// Finding records over HTTP: GET /v1/records/{type} with field filters (typed), where (CEL), sort,
// the cursor and count; unknown query parameters refused on every route; the limits published.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WHERE_MAX_SCAN } from '../../src/records/record-query.js';
import { read, testApi, type TestApi } from '../helpers/api.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';

interface Page { items: { id: string; data: Record<string, unknown> }[]; next: string | null; count?: number; scanned?: number }
interface Problem { code: string; detail: string; errors: { path: string; message: string }[] }

const CONFIG = {
  objects: {
    deal: {
      fields: { region: { type: 'string' as const, values: ['EMEA', 'AMER'] }, seats: { type: 'integer' as const }, strategic: { type: 'boolean' as const } },
      indexes: ['stage', 'amount'],
    },
  },
};
const DEALS = [
  { id: 'd1', name: 'Acme', stage: 'Proposal', amount: 50_000, region: 'EMEA', seats: 10, strategic: true, close_date: '2026-03-01T00:00:00.000Z' },
  { id: 'd2', name: 'Globex', stage: 'Negotiation', amount: 120_000, region: 'AMER', seats: 200, strategic: false, close_date: '2026-04-15T00:00:00.000Z' },
  { id: 'd3', name: 'Initech', stage: 'Proposal', amount: 8_000, region: 'AMER', seats: 5 },
  { id: 'd4', name: 'Umbrella', stage: 'Closed Won', amount: 75_000, region: 'EMEA', strategic: true, close_date: '2026-02-01T00:00:00.000Z' },
  { id: 'd5', name: 'Hooli', stage: 'Proposal' },
];

let api: TestApi;
beforeEach(async () => {
  api = await testApi(CONFIG);
  for (const deal of DEALS) expect((await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: deal })).statusCode).toBe(201);
});
afterEach(async () => { await api.close(); });

const list = async (query: Record<string, string>, type = 'deal') => api.app.inject({ method: 'GET', url: `/v1/records/${type}`, query });
const ids = (page: Page) => page.items.map((r) => r.id);
function expectProblemAt(p: { path: string; message: string } | undefined, path: string, message: RegExp): void {
  expect(p?.path).toBe(path);
  expect(p?.message).toMatch(message);
}
async function problem(query: Record<string, string>, status = 400): Promise<Problem> {
  const res = await list(query);
  expect(res.statusCode).toBe(status);
  return read<Problem>(res);
}

describe('field filters', () => {
  it('stage=Proposal returns exactly the deals in Proposal, and count says how many', async () => {
    const page = read<Page>(await list({ stage: 'Proposal', count: 'true' }));
    expect(ids(page)).toEqual(['d1', 'd3', 'd5']);
    expect(page).toMatchObject({ count: 3, next: null });
  });

  it('converts each value to the field type: numbers, integers, booleans, picklists, date-times, with operators', async () => {
    expect(ids(read<Page>(await list({ 'amount[gte]': '50000' })))).toEqual(['d1', 'd2', 'd4']);
    expect(ids(read<Page>(await list({ 'amount[gt]': '50000', 'amount[lt]': '1e5' })))).toEqual(['d4']);
    expect(ids(read<Page>(await list({ seats: '200' })))).toEqual(['d2']);
    expect(ids(read<Page>(await list({ strategic: 'true' })))).toEqual(['d1', 'd4']);
    expect(ids(read<Page>(await list({ 'strategic[ne]': 'true' })))).toEqual(['d2', 'd3', 'd5']); // unset counts as "not true"
    expect(ids(read<Page>(await list({ region: 'EMEA', stage: 'Proposal' })))).toEqual(['d1']);
    expect(ids(read<Page>(await list({ 'close_date[lt]': '2026-03-15' })))).toEqual(['d1', 'd4']);
  });

  it('answers a bad value with a 400 naming the parameter and the problem', async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'amount[gte]': 'lots' }, '/querystring/amount[gte]', /expected a number/],
      [{ seats: '1.5' }, '/querystring/seats', /expected an integer/],
      [{ strategic: 'yes' }, '/querystring/strategic', /expected true or false/],
      [{ 'strategic[gt]': 'true' }, '/querystring/strategic[gt]', /= or \[ne\] only/],
      [{ region: 'Mars' }, '/querystring/region', /one of EMEA, AMER/],
      [{ close_date: 'next tuesday' }, '/querystring/close_date', /ISO 8601/],
      [{ sort: 'colour' }, '/querystring/sort', /no field "colour"/],
      [{ limit: '5000' }, '/querystring/limit', /<= 1000/],
    ];
    for (const [query, path, message] of cases) {
      const p = await problem(query);
      expect(p.code, path).toBe('VALIDATION_FAILED');
      expect(p.errors[0]?.path).toBe(path);
      expect(p.errors[0]?.message).toMatch(message);
    }
  });

  it('refuses a parameter that is neither a field nor a known one, and an unknown operator, naming them', async () => {
    const p = await problem({ stag: 'Proposal' });
    expect(p.code).toBe('UNKNOWN_PARAMETER');
    expect(p.errors).toHaveLength(1);
    expectProblemAt(p.errors[0], '/querystring/stag', /unknown query parameter "stag": not a field of deal/);
    expectProblemAt((await problem({ 'amount[between]': '1' })).errors[0], '/querystring/amount[between]', /unknown operator/);
    expect((await api.app.inject({ method: 'GET', url: '/v1/records/deal?__proto__=x&constructor=y' })).json<Problem>().code).toBe('UNKNOWN_PARAMETER');
  });
});

describe('sort and cursor', () => {
  it('sorts by a field either way, unset values last, and pages with a cursor that survives inserts', async () => {
    const first = read<Page>(await list({ sort: '-amount', limit: '2' }));
    expect(ids(first)).toEqual(['d2', 'd4']);
    // Inserted between pages: one sorts before the cursor (not shown, nothing shifts), one after.
    await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { id: 'd6', name: 'Big', amount: 999_999 } });
    await api.app.inject({ method: 'POST', url: '/v1/records/deal', payload: { id: 'd7', name: 'Mid', amount: 60_000 } });
    const second = read<Page>(await list({ sort: '-amount', limit: '2', after: first.next as string }));
    expect(ids(second)).toEqual(['d7', 'd1']);
    const third = read<Page>(await list({ sort: '-amount', limit: '2', after: second.next as string }));
    expect(ids(third)).toEqual(['d3', 'd5']);
    expect(third.next).toBeNull(); // the last page says so: no empty page to fetch
    expect(ids(read<Page>(await list({ sort: 'amount' })))).toEqual(['d3', 'd1', 'd7', 'd4', 'd2', 'd6', 'd5']);
  });

  it('refuses a cursor of another query, and one that is not a cursor', async () => {
    const first = read<Page>(await list({ sort: '-amount', limit: '2' }));
    expectProblemAt((await problem({ sort: 'amount', after: first.next as string })).errors[0], '/querystring/after', /another query/);
    expect((await problem({ after: 'd1' })).errors[0]?.path).toBe('/querystring/after');
  });
});

describe('where', () => {
  it('filters with CEL over record, together with field filters', async () => {
    const page = read<Page>(await list({ stage: 'Proposal', where: 'has(record.amount) && record.amount > 10000.0' }));
    expect(ids(page)).toEqual(['d1']);
    expect(page.scanned).toBe(3);
    expect(ids(read<Page>(await list({ where: 'record.name.startsWith("U") || record.id == "d3"' })))).toEqual(['d3', 'd4']);
  });

  it('answers a bad expression, a non-condition and where with count with a 400 naming the parameter', async () => {
    expectProblemAt((await problem({ where: 'record.amout > 1.0' })).errors[0], '/querystring/where', /invalid CEL/);
    expectProblemAt((await problem({ where: 'record.name' })).errors[0], '/querystring/where', /must be a condition/);
    expect((await problem({ where: 'true', count: 'true' })).errors[0]?.path).toBe('/querystring/count');
  });

  it(`reads at most ${WHERE_MAX_SCAN} records per page and gives a cursor to go on from`, async () => {
    await api.engine.store.transaction(async (tx) => {
      for (let i = 0; i < WHERE_MAX_SCAN + 100; i++) {
        await tx.insertRecord({ tenant: 'default', type: 'deal', id: `bulk-${String(i).padStart(5, '0')}`, version: 1, data: { amount: i }, createdAt: 0, updatedAt: 0 });
      }
    });
    const where = 'has(record.amount) && record.amount < 0.0'; // matches nothing: every record is read
    const first = read<Page>(await list({ where }));
    expect(first).toMatchObject({ items: [], scanned: WHERE_MAX_SCAN });
    expect(first.next).not.toBeNull();
    const second = read<Page>(await list({ where, after: first.next as string }));
    expect(second).toEqual({ items: [], next: null, scanned: DEALS.length + 100 });
  });

  it('stops a page early when the expressions together use up the request budget', async () => {
    await api.engine.store.transaction(async (tx) => {
      for (let i = 0; i < 1000; i++) await tx.insertRecord({ tenant: 'default', type: 'deal', id: `bulk-${i}`, version: 1, data: {}, createdAt: 0, updatedAt: 0 });
    });
    const costly = 'cel.bind(r, [0,1,2,3,4,5,6,7,8,9], r.all(a, r.all(b, r.all(c, a + b + c >= 0)))) && false';
    const page = read<Page>(await list({ where: costly }));
    expect(page.items).toEqual([]);
    expect(page.scanned).toBeGreaterThan(0);
    expect(page.scanned).toBeLessThan(1000);
    expect(page.next).not.toBeNull();
  });
});

describe('query parameters on every route, indexes and limits', () => {
  it('refuses unknown query parameters on other routes too, naming them and what the route takes', async () => {
    const executions = await api.app.inject({ method: 'GET', url: '/v1/executions?stauts=failed' });
    expect(executions.statusCode).toBe(400);
    expect(read<Problem>(executions).code).toBe('UNKNOWN_PARAMETER');
    expectProblemAt(read<Problem>(executions).errors[0], '/querystring/stauts', /takes status, workflow/);
    const workflows = await api.app.inject({ method: 'GET', url: '/v1/workflows?limit=5' });
    expect(read<Problem>(workflows).code).toBe('UNKNOWN_PARAMETER');
    expectProblemAt(read<Problem>(workflows).errors[0], '/querystring/limit', /takes no query parameters/);
    expect((await api.app.inject({ method: 'GET', url: '/v1/alerts?limit=5' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/v1/executions?status=failed&limit=5' })).statusCode).toBe(200);
  });

  it('creates the indexes config declares at startup', async () => {
    const db = openSqlite(api.engine.path, { readonly: true });
    try {
      const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_by_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(['records_by_amount_num', 'records_by_stage_text']);
    } finally {
      db.close();
    }
  });

  it('publishes the limits in the OpenAPI document', async () => {
    const doc = read<{ paths: Record<string, Record<string, { description?: string; parameters: { name: string; in: string; schema: { maximum?: number } }[] }>> }>(
      await api.app.inject({ method: 'GET', url: '/openapi.json' }));
    const op = doc.paths['/v1/records/{type}']?.get;
    expect(op?.parameters.find((p) => p.name === 'limit' && p.in === 'query')?.schema.maximum).toBe(1000);
    expect(op?.description).toMatch(/at most 1000 records per page/);
    expect(op?.description).toMatch(new RegExp(`at most ${WHERE_MAX_SCAN} records`));
    expect(doc.paths['/v1/executions']?.get?.parameters.find((p) => p.name === 'limit')?.schema.maximum).toBe(500);
  });
});
