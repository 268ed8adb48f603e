// Batched execution: one claimed batch, one commit for the executions that need no outside call,
// one savepoint each. A poisoned execution (its step throws, or its lease was stolen) is rolled
// back alone: the others commit, and it ends as the one-at-a-time runner decides.
import { afterEach, expect, it } from 'vitest';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

const LEASE = 1_000;

await forEachStore('batch runner', (make, backend) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  async function setUp(batchCommit = true, prefix = ''): Promise<void> {
    engine = await make({ worker: { lease: `${LEASE}ms`, batchCommit } });
    // int division by zero for the deal whose amount is 13: a deterministic expression error.
    await engine.workflows.deploy('default', {
      id: 'score', name: 'score', object: 'deal', trigger: { on: 'created' }, conditions: ['record.amount > 5.0'],
      actions: [{ id: 'p', type: 'record.update', set: { probability: 'int(record.amount) / (int(record.amount) - 13)' } }],
    });
    for (let i = 0; i < 10; i++) await engine.records.create('default', 'deal', { name: `d${i}`, amount: i === 5 ? 13 : i === 9 ? 1 : 20 + i }, USER, `${prefix}d${i}`);
  }

  it('commits a batch in one transaction, with a poisoned step and a stolen lease rolled back alone', async () => {
    await setUp();
    const t0 = engine.clock.now();
    const claimed = await engine.store.claimExecutions({ workerId: 'w1', now: t0, leaseMs: LEASE, limit: 50 });
    expect(claimed).toHaveLength(10);
    // Steal d7's lease: every other lease is renewed, d7's runs out, is swept and claimed by w2.
    const stolen = claimed.find((e) => e.recordId === 'd7')!;
    await engine.store.heartbeat('w1', claimed.filter((e) => e !== stolen).map((e) => ({ executionId: e.id, attempt: e.attempt })), t0 + LEASE / 2, LEASE);
    expect(await engine.store.sweepExpiredLeases(t0 + LEASE + 1)).toBe(1);
    const [retaken] = await engine.store.claimExecutions({ workerId: 'w2', now: t0 + LEASE + 1, leaseMs: LEASE, limit: 50 });
    expect(retaken).toMatchObject({ id: stolen.id, attempt: stolen.attempt + 1 });

    const transaction = engine.store.transaction.bind(engine.store);
    let transactions = 0;
    engine.store.transaction = ((fn, options) => { transactions++; return transaction(fn, options); });
    await engine.worker.runClaimed(claimed);

    const executions = await engine.store.listExecutions({ tenant: 'default', limit: 100 });
    const by = (id: string) => executions.find((e) => e.recordId === id)!;
    for (const id of ['d0', 'd1', 'd2', 'd3', 'd4', 'd6', 'd8']) expect(by(id).status, id).toBe('succeeded');
    expect(by('d9').status).toBe('skipped');
    expect(by('d9').reason).toContain('is false');
    expect(by('d5').status).toBe('failed');
    expect(by('d5').reason).toContain('EXPRESSION_FAILED');
    // The stolen one is w2's: w1 wrote nothing for it.
    expect(by('d7')).toMatchObject({ status: 'running', workerId: 'w2', attempt: stolen.attempt + 1 });
    expect(await engine.store.listSteps(stolen.id)).toEqual([]);
    expect((await engine.records.get('default', 'deal', 'd7')).data.probability).toBeUndefined();
    expect((await engine.records.get('default', 'deal', 'd0')).data.probability).toBe(2); // 20 / 7
    // The whole batch once (rolled back by the poisoned step), once more with a savepoint each (the
    // 8 outcomes commit), then the poisoned one alone: fewer than one per execution (10). The
    // embedded store commits in chunks of 8, so there the second chunk adds one transaction.
    expect(transactions).toBeLessThan(backend === 'sqlite' ? 8 : 7);
  });

  it('commits a clean batch in one transaction (in chunks of 8 on the embedded store)', async () => {
    await setUp();
    const claimed = (await engine.store.claimExecutions({ workerId: 'w1', now: engine.clock.now(), leaseMs: LEASE, limit: 50 }))
      .filter((e) => e.recordId !== 'd5');
    const transaction = engine.store.transaction.bind(engine.store);
    let transactions = 0;
    engine.store.transaction = ((fn, options) => { transactions++; return transaction(fn, options); });
    await engine.worker.runClaimed(claimed);
    expect(transactions).toBe(backend === 'sqlite' ? 2 : 1); // 9 executions
    const statuses = (await engine.store.listExecutions({ tenant: 'default', limit: 100 })).filter((e) => e.recordId !== 'd5').map((e) => e.status);
    expect(statuses.sort()).toEqual(['skipped', ...Array<string>(8).fill('succeeded')]);
  });

  it('hands what it loaded and decided to the runner: no execution is read or its conditions evaluated twice', async () => {
    engine = await make({ worker: { lease: `${LEASE}ms` } });
    await engine.workflows.deploy('default', {
      id: 'two', name: 'two', object: 'deal', trigger: { on: 'created' }, conditions: ['record.amount > 5.0'],
      actions: [{ id: 'a', type: 'record.update', set: { priority: '"high"' } }, { id: 'b', type: 'record.update', set: { probability: '0.5' } }],
    });
    for (let i = 0; i < 4; i++) await engine.records.create('default', 'deal', { name: `t${i}`, amount: 50 }, USER, `t${i}`);
    const claimed = await engine.store.claimExecutions({ workerId: 'w1', now: engine.clock.now(), leaseMs: LEASE, limit: 50 });
    const reads = { getChange: 0, listSteps: 0 };
    const getChange = engine.store.getChange.bind(engine.store);
    const listSteps = engine.store.listSteps.bind(engine.store);
    engine.store.getChange = (...a) => { reads.getChange++; return getChange(...a); };
    engine.store.listSteps = (...a) => { reads.listSteps++; return listSteps(...a); };
    await engine.worker.runClaimed(claimed);
    expect(reads).toEqual({ getChange: 0, listSteps: 0 });
    const statuses = (await engine.store.listExecutions({ tenant: 'default', limit: 100 })).map((e) => e.status);
    expect(statuses).toEqual(Array<string>(4).fill('succeeded'));
    expect((await engine.records.get('default', 'deal', 't0')).data).toMatchObject({ priority: 'high', probability: 0.5 });
  });

  it('leaves the same outcomes as running one by one', async () => {
    const outcomes: string[][] = [];
    for (const batchCommit of [true, false]) {
      const prefix = batchCommit ? 'b-' : 'o-';
      await setUp(batchCommit, prefix);
      await engine.worker.drain();
      const strip = (id: string) => id.slice(prefix.length);
      const executions = (await engine.store.listExecutions({ tenant: 'default', limit: 100 })).filter((e) => e.recordId.startsWith(prefix));
      const records = (await engine.store.listRecords('default', 'deal', 100)).filter((r) => r.id.startsWith(prefix));
      outcomes.push([...executions.map((e) => `${strip(e.recordId)}:${e.status}`), ...records.map((r) => `${strip(r.id)}:${r.version}:${JSON.stringify(r.data.probability ?? null)}`)].sort());
      await closeEngine(engine);
    }
    expect(outcomes[0]).toHaveLength(20);
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});
