// The pure parts of lookup conditions: decisions (a lookup checkpoint is not a step; a failed
// lookup waits or dead-letters by the step rules) and the shared stats' batching on the injected clock.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { CompiledStep } from '../../src/definitions/compile.js';
import { afterLookupFailure, nextMove, type DecisionInput } from '../../src/execution/decide.js';
import { SharedConditionStats } from '../../src/execution/condition-stats.js';
import { resolveRetryPolicy } from '../../src/failures/retry-policy.js';
import type { Store } from '../../src/store/port.js';
import type { ConditionStatsRow } from '../../src/store/types.js';

const step = { definition: { id: 'flag', type: 'record.update' }, mode: 'sync', fallbacks: [] } as unknown as CompiledStep;
const base: DecisionInput = { kind: 'workflow', stepId: '', steps: [step], checkpoints: [], now: 1_000 };
const lookup = { name: 'customer_score', retry: resolveRetryPolicy({ attempts: 3, initial: '5s', factor: 5, jitter: 0 }) };

describe('lookup decisions', () => {
  it('a lookup checkpoint does not pass the conditions gate: they are checked again (the answer reused)', () => {
    expect(nextMove({ ...base, checkpoints: [{ stepId: 'lookup:customer_score', status: 'succeeded' }] })).toEqual({ kind: 'check-conditions' });
    expect(nextMove({ ...base, checkpoints: [{ stepId: 'flag', status: 'succeeded' }] })).toEqual({ kind: 'finish' });
  });

  it('a lookup to retry waits until then; one failed for good dead-letters', () => {
    expect(nextMove({ ...base, conditions: { pass: false, reason: 'lookup failed; retrying', retryAt: 6_000 } })).toEqual({ kind: 'wait', runAt: 6_000, reason: 'lookup failed; retrying' });
    expect(nextMove({ ...base, conditions: { pass: false, reason: 'gone', failure: { stepId: 'lookup:customer_score', code: 'UPSTREAM_REJECTED' } } }))
      .toEqual({ kind: 'dead-letter', reason: 'gone', stepId: 'lookup:customer_score', code: 'UPSTREAM_REJECTED' });
  });

  it('afterLookupFailure: backoff for retryable failures while attempts remain, else dead-letter', () => {
    const retryable = { retryable: true, code: 'UPSTREAM_ERROR', message: 'answered 503' };
    expect(afterLookupFailure(lookup, 'lookup:customer_score', retryable, 1, 0, () => 0.5)).toMatchObject({ kind: 'retry', runAt: 5_000 });
    expect(afterLookupFailure(lookup, 'lookup:customer_score', retryable, 2, 0, () => 0.5)).toMatchObject({ kind: 'retry', runAt: 25_000 });
    expect(afterLookupFailure(lookup, 'lookup:customer_score', retryable, 3, 0, () => 0.5)).toMatchObject({ kind: 'dead-letter', code: 'UPSTREAM_ERROR' });
    expect(afterLookupFailure(lookup, 'lookup:customer_score', { retryable: false, code: 'UPSTREAM_REJECTED', message: '404' }, 1, 0, () => 0.5))
      .toEqual({ kind: 'dead-letter', stepId: 'lookup:customer_score', code: 'UPSTREAM_REJECTED', reason: 'lookup customer_score failed after 1 attempt(s): UPSTREAM_REJECTED: 404' });
  });
});

describe('shared condition stats', () => {
  function fakeStore(fail = { add: false }) {
    const rows = new Map<string, ConditionStatsRow>();
    const adds: ConditionStatsRow[][] = [];
    const store = {
      addConditionStats: async (deltas: ConditionStatsRow[]) => {
        if (fail.add) throw new Error('store down');
        adds.push(deltas);
        for (const d of deltas) {
          const key = `${d.tenant}/${d.workflowId}/${d.conditionKey}`;
          const r = rows.get(key);
          rows.set(key, { ...d, runs: d.runs + (r?.runs ?? 0), falses: d.falses + (r?.falses ?? 0), totalMs: d.totalMs + (r?.totalMs ?? 0) });
        }
      },
      listConditionStats: async (tenant: string, workflowId: string) => [...rows.values()].filter((r) => r.tenant === tenant && r.workflowId === workflowId),
    } as unknown as Store;
    return { store, adds, rows };
  }

  it('writes many evaluations as one delta per condition, once per flush interval', async () => {
    const clock = new ManualClock();
    const { store, adds } = fakeStore();
    const stats = new SharedConditionStats(store, clock, { flushMs: 1_000 });
    for (let i = 0; i < 100; i++) stats.record('t\u0000wf\u0000cel:a', 0.01, i % 2 === 0);
    stats.record('t\u0000wf\u0000lookup:b', 200, true);
    expect(adds).toEqual([]);
    clock.advance(1_000);
    await stats.flush();
    expect(adds).toHaveLength(1);
    expect(adds[0]?.map((d) => [d.conditionKey, d.runs, d.falses])).toEqual([['cel:a', 100, 50], ['lookup:b', 1, 0]]);
  });

  it('a failed write keeps its deltas for the next flush', async () => {
    const clock = new ManualClock();
    const fail = { add: true };
    const { store, rows } = fakeStore(fail);
    const stats = new SharedConditionStats(store, clock);
    stats.record('t\u0000wf\u0000cel:a', 1, false);
    await expect(stats.flush()).rejects.toThrow('store down');
    stats.record('t\u0000wf\u0000cel:a', 1, true);
    fail.add = false;
    await stats.flush();
    expect([...rows.values()].map((r) => [r.runs, r.falses, r.totalMs])).toEqual([[2, 1, 2]]);
  });

  it('orders by the shared totals once prepared: another process\'s measurements count', async () => {
    const clock = new ManualClock();
    const { store, rows } = fakeStore();
    rows.set('x', { tenant: 't', workflowId: 'wf', conditionKey: 'lookup:slow', runs: 10, falses: 0, totalMs: 2_000 });
    rows.set('y', { tenant: 't', workflowId: 'wf', conditionKey: 'cel:cheap', runs: 10, falses: 5, totalMs: 0.1 });
    const stats = new SharedConditionStats(store, clock);
    const written = [{ key: 'lookup:slow' }, { key: 'cel:cheap' }];
    const keyOf = (c: { key: string }): string => `t\u0000wf\u0000${c.key}`;
    expect(stats.order(written, keyOf).map((c) => c.key)).toEqual(['lookup:slow', 'cel:cheap']); // nothing known here yet
    await stats.prepare('t', 'wf');
    expect(stats.order(written, keyOf).map((c) => c.key)).toEqual(['cel:cheap', 'lookup:slow']);
  });
});
