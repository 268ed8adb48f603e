// Invariant 3 without a stopwatch: a record write's transaction makes the same store calls whether
// it matches 1 workflow or 50, and whatever history those workflows have on the record. The loop
// guard reads its facts once per write (one store operation, one statement) and a write's loop
// alerts go in one call. And with 50 workflows and a long history on the record, the guard still
// decides right.
import { afterEach, describe, expect, it } from 'vitest';
import type { Store, StoreTx } from '../../src/store/port.js';
import type { NewExecution } from '../../src/domain/types.js';
import { closeEngine, engineOn, USER, type TestEngine } from '../helpers/engine.js';
import { describePostgres, makePostgresStore, makeSqliteStore } from '../helpers/stores.js';

type Calls = Record<string, number>;

/** A store whose transactions count the calls made on their tx, per method, into `calls`. */
function counting(store: Store, calls: Calls): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
      return <T>(fn: (tx: StoreTx) => Promise<T>, options?: Parameters<Store['transaction']>[1]) => target.transaction((tx) => fn(new Proxy(tx, {
        get(t, p, r) {
          const value = Reflect.get(t, p, r) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls[String(p)] = (calls[String(p)] ?? 0) + 1;
            return (value as (...a: unknown[]) => unknown).apply(t, args);
          };
        },
      })), options);
    },
  });
}

/** Workflow i's re-entry rule: every path of the guard (history read or not). wf-00 is once per 24 h. */
const ruleOf = (i: number): object => (i % 4 === 1 ? { policy: 'once' } : i % 4 === 3 ? { policy: 'always' } : { policy: 'once_per_period', within: '24h' });

/** A deal workflow on every update. */
const onUpdate = (i: number, reentry: object = ruleOf(i)) => ({
  id: `wf-${String(i).padStart(2, '0')}`, name: `wf ${i}`, object: 'deal', trigger: { on: 'updated' }, reentry,
  actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }],
});

/** The three kinds of write the guard treats differently, on a record with `n` workflows deployed. */
function suite(open: () => Promise<Store>): void {
  const engines: TestEngine[] = [];
  afterEach(async () => { for (const e of engines.splice(0)) await closeEngine(e); });

  /** An engine with n workflows and record d1 in `tenant` (two engines in one test share PostgreSQL's schema). */
  async function engineWith(n: number, calls: Calls, tenant = 'default'): Promise<TestEngine> {
    const engine = await engineOn(counting(await open(), calls), { loops: { maxDepth: 100 } });
    engines.push(engine);
    const defs = Array.from({ length: n }, (_, i) => onUpdate(i));
    await engine.workflows.deployMany(tenant, defs.map((value) => ({ value })), { allowCycles: true });
    await engine.records.create(tenant, 'deal', { name: 'Acme', amount: 1 }, USER, 'd1');
    return engine;
  }

  /** Per write kind, the tx calls its transaction made. */
  async function callsPerWrite(n: number): Promise<Calls[]> {
    const calls: Calls = {};
    const tenant = `t-${n}`;
    const engine = await engineWith(n, calls, tenant);
    const measure = async (write: () => Promise<unknown>): Promise<Calls> => {
      for (const k of Object.keys(calls)) delete calls[k];
      await write();
      return { ...calls };
    };
    const patch = (amount: number, parent?: { rootChangeId: string; depth: number }) => engine.records.write({
      op: 'patch', tenant, type: 'deal', id: 'd1', data: { amount }, actor: USER, ...(parent ? { parent } : {}),
    });
    const first = await measure(() => patch(2)); // every workflow queued
    const stopped = await measure(() => patch(3)); // the re-entry rules stop most: alerts
    const caused = await measure(() => patch(4, { rootChangeId: 'root-x', depth: 1 })); // a workflow's write: the budget is counted
    return [first, stopped, caused];
  }

  it('a write matching 50 workflows makes the same store calls as one matching 1: one guard read, one alert insert', async () => {
    const one = await callsPerWrite(1);
    const fifty = await callsPerWrite(50);
    // With one workflow of policy once_per_period, the second write stops it too: same shapes.
    expect(fifty).toEqual(one);
    for (const calls of fifty) {
      expect(calls.loopGuardFacts).toBe(1);
      expect(calls.insertExecutions).toBe(1);
      expect(calls.insertAlert).toBeUndefined();
    }
    expect(fifty[0]?.insertAlerts).toBeUndefined();
    expect(fifty[1]?.insertAlerts).toBe(1);
    expect(Object.values(fifty[1] ?? {}).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8);
  });

  it('with 50 workflows and 5,000 executions already on the record, the guard still queues and stops the right ones', async () => {
    const calls: Calls = {};
    const engine = await engineWith(50, calls);
    const t = engine.clock.now();
    const ids = Array.from({ length: 50 }, (_, i) => `wf-${String(i).padStart(2, '0')}`);
    // History: per workflow, 100 executions on the record. wf-00..24 last ran 2 days ago (queued),
    // wf-25..49 ran an hour ago, followed by newer executions the guard skipped (they do not count).
    const history: NewExecution[] = ids.flatMap((workflowId, w) => Array.from({ length: 100 }, (_, k): NewExecution => {
      const recent = w >= 25;
      const skipped = recent && k > 0;
      const createdAt = recent ? t - 3_600_000 + k : t - 2 * 86_400_000 + k;
      return {
        id: `h-${w}-${k}`, tenant: 'default', kind: 'workflow', workflowId, version: 1, triggerKey: `hist-${w}-${k}`, stepId: '', parentId: null,
        recordType: 'deal', recordId: 'd2', lane: 'default/deal/d2', runAt: createdAt, rootChangeId: `hist-${w}-${k}`, depth: 0, input: {}, createdAt,
        ...(skipped ? { status: 'skipped' as const, reason: 'loop guard (reentry)', finishedAt: createdAt } : {}),
      };
    }));
    await engine.store.transaction((tx) => tx.insertExecutions(history));
    await engine.records.create('default', 'deal', { name: 'Beta', amount: 1 }, USER, 'd2');
    for (const k of Object.keys(calls)) delete calls[k];
    const result = await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd2', data: { amount: 2 }, actor: USER });
    expect(calls.loopGuardFacts).toBe(1);

    const mine = (await engine.store.listExecutions({ tenant: 'default', recordId: 'd2', limit: 1000 })).filter((e) => e.triggerKey === result.change?.id);
    const status = new Map(mine.map((e) => [e.workflowId, e.status]));
    // 'always' (i % 4 == 3) runs whatever its history; 'once' (i % 4 == 1) is stopped by any past run;
    // 24 h (the rest) only by the recent ones.
    const expected = new Map(ids.map((id, i) => [id, i % 4 === 3 ? 'queued' : i % 4 === 1 || i >= 25 ? 'skipped' : 'queued']));
    expect(status).toEqual(expected);
    const stopped = [...expected].filter(([, s]) => s === 'skipped').map(([id]) => id);
    expect(result.alerts.map((a) => (a.details as { workflowId: string }).workflowId).sort()).toEqual(stopped);
    expect(mine.find((e) => e.workflowId === 'wf-01')?.reason).toMatch(/^loop guard \(reentry\): already ran once for deal\/d2/);
    expect(mine.find((e) => e.workflowId === 'wf-26')?.reason).toMatch(/^loop guard \(reentry\): already ran for deal\/d2 within 24h/);
  });

  it('counts a root change\'s executions once per write, and stops at the budget', async () => {
    const calls: Calls = {};
    const engine = await engineOn(counting(await open(), calls), { loops: { maxDepth: 100, tenants: { default: { budget: 30 } } } });
    engines.push(engine);
    const defs = Array.from({ length: 50 }, (_, i) => onUpdate(i, { policy: 'always' }));
    await engine.workflows.deployMany('default', defs.map((value) => ({ value })), { allowCycles: true });
    await engine.records.create('default', 'deal', { name: 'Acme', amount: 1 }, USER, 'd1');
    for (const k of Object.keys(calls)) delete calls[k];
    const result = await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: 2 }, actor: USER, parent: { rootChangeId: 'root-y', depth: 1 } });
    expect(calls.loopGuardFacts).toBe(1);
    // 30 fit in the budget; the other 20 are stopped, each with its alert.
    expect(result.executions).toBe(50);
    const rows = await engine.store.listExecutions({ tenant: 'default', rootChangeId: 'root-y', limit: 100 });
    expect(rows.filter((e) => e.status === 'queued')).toHaveLength(30);
    expect(rows.filter((e) => e.status === 'skipped').every((e) => /^loop guard \(budget\)/.test(e.reason ?? ''))).toBe(true);
    expect(result.alerts).toHaveLength(20);
    // The next write of that root: all 50 stopped, the count read once more.
    for (const k of Object.keys(calls)) delete calls[k];
    const again = await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: 3 }, actor: USER, parent: { rootChangeId: 'root-y', depth: 1 } });
    expect(calls.loopGuardFacts).toBe(1);
    expect(again.alerts).toHaveLength(50);
  });
}

describe('write cost [sqlite]', () => suite(makeSqliteStore));
await describePostgres('write cost [postgres]', () => suite(() => makePostgresStore()));
