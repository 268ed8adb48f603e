// Condition stats (execution/condition-stats.ts writes them): deltas add up per (tenant, workflow,
// condition key), one workflow is read at a time, and concurrent adds from two processes lose nothing.
import { expect, it } from 'vitest';
import type { ConditionStatsRow } from '../../src/store/types.js';
import type { StoreHarness } from './fixtures.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const delta = (tenant: string, workflowId: string, conditionKey: string, runs: number, falses: number, totalMs: number): ConditionStatsRow => ({ tenant, workflowId, conditionKey, runs, falses, totalMs });
const totals = (rows: ConditionStatsRow[]) => rows.map((r) => [r.conditionKey, r.runs, r.falses, r.totalMs]);

export function conditionStatsContract(h: StoreHarness): void {
  it('adds deltas to the rows of their key and lists one workflow of one tenant, by key', async () => {
    const store = await h.open();
    expect(await store.listConditionStats('t1', 'wf')).toEqual([]);
    await store.addConditionStats([delta('t1', 'wf', 'lookup:score:ab', 2, 1, 400.5), delta('t1', 'wf', 'cel:cd', 2, 1, 0.25)], T0);
    await store.addConditionStats([delta('t1', 'wf', 'cel:cd', 3, 0, 0.5), delta('t1', 'other', 'cel:cd', 1, 1, 1), delta('t2', 'wf', 'cel:cd', 7, 7, 7)], T0 + 1);
    await store.addConditionStats([], T0 + 2);
    expect(totals(await store.listConditionStats('t1', 'wf'))).toEqual([['cel:cd', 5, 1, 0.75], ['lookup:score:ab', 2, 1, 400.5]]);
    expect(totals(await store.listConditionStats('t1', 'other'))).toEqual([['cel:cd', 1, 1, 1]]);
    expect(totals(await store.listConditionStats('t2', 'wf'))).toEqual([['cel:cd', 7, 7, 7]]);
    expect((await store.listConditionStats('t1', 'wf'))[0]).toEqual({ tenant: 't1', workflowId: 'wf', conditionKey: 'cel:cd', runs: 5, falses: 1, totalMs: 0.75 });
  });

  it('concurrent adds of the same keys (from two processes where the store is shared) all count', async () => {
    const store = await h.open();
    const peer = h.openPeer ? await h.openPeer() : store;
    const batch = [delta('t1', 'wf', 'a', 1, 0, 1), delta('t1', 'wf', 'b', 1, 1, 2)];
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : peer).addConditionStats(i % 3 === 0 ? [...batch].reverse() : batch, T0 + i)));
    expect(totals(await store.listConditionStats('t1', 'wf'))).toEqual([['a', 10, 0, 10], ['b', 10, 10, 20]]);
  });
}
