// The headline of finding records over HTTP, on each store: the filter that used to be ignored,
// sort and cursor across an insert, where, count, and the config's indexes created at startup.
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { declaredFieldIndexes } from '../../src/records/record-query.js';
import { buildServer } from '../../src/server/app.js';
import { closeEngine, forEachStore, type TestEngine } from '../helpers/engine.js';

interface Page { items: { id: string }[]; next: string | null; count?: number }

let engine: TestEngine | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await closeEngine(engine);
  app = undefined;
  engine = undefined;
});

await forEachStore('finding records over HTTP', (make) => {
  it('filters, sorts, pages, counts and evaluates where the same way', async () => {
    engine = await make({ objects: { deal: { indexes: ['stage', 'amount'] } } });
    const server = (app = await buildServer(engine));
    // Created at startup: asking again creates nothing.
    expect(await engine.store.ensureFieldIndexes(declaredFieldIndexes(engine.config.objectTypes.values()))).toEqual([]);
    const post = async (payload: Record<string, unknown>) => expect((await server.inject({ method: 'POST', url: '/v1/records/deal', payload })).statusCode).toBe(201);
    for (const [id, stage, amount] of [['a', 'Proposal', 30], ['b', 'Won', 10], ['c', 'Proposal', 20], ['d', 'Proposal', 40]] as const) await post({ id, name: id, stage, amount });
    const get = async (query: Record<string, string>) => (await server.inject({ method: 'GET', url: '/v1/records/deal', query })).json<Page>();

    const first = await get({ stage: 'Proposal', sort: 'amount', limit: '2', count: 'true' });
    expect(first.items.map((r) => r.id)).toEqual(['c', 'a']);
    expect(first.count).toBe(3);
    await post({ id: 'e', name: 'e', stage: 'Proposal', amount: 35 });
    const second = await get({ stage: 'Proposal', sort: 'amount', limit: '2', after: first.next as string });
    expect(second.items.map((r) => r.id)).toEqual(['e', 'd']);
    expect(second.next).toBeNull();
    expect((await get({ 'amount[lt]': '35', where: 'record.name != "b"' })).items.map((r) => r.id)).toEqual(['a', 'c']);
  });
});
