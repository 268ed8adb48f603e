// Stop, pause, cancel (issue 12) on both stores, the way an admin meets them: a workflow whose
// webhook is failing has 20 executions retrying and 500 queued behind them; pausing it runs none
// of them, however far the clock moves, while another workflow on the same records goes on; resuming
// runs every one. Bulk cancel moves exactly the executions its filter names, and says who did it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ExecutionRow } from '../../src/domain/types.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

const sink = { down: true, calls: 0 };
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    sink.calls++;
    res.statusCode = sink.down ? 503 : 200;
    res.end(sink.down ? 'down' : '{"ok":true}');
  });
});
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const T = 'default';

/** Every execution of the tenant (the API pages by 500). */
async function all(engine: TestEngine): Promise<ExecutionRow[]> {
  const out: ExecutionRow[] = [];
  for (let before: string | undefined; ;) {
    const page = await engine.store.listExecutions({ tenant: T, limit: 500, before });
    out.push(...page);
    if (page.length < 500) return out;
    before = page.at(-1)?.id;
  }
}

const count = (rows: ExecutionRow[], workflowId: string, status: string): number => rows.filter((e) => e.workflowId === workflowId && e.status === status).length;

await forEachStore('stop, pause, cancel', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  it('a paused workflow runs none of its 500 queued and 20 retrying executions until resumed, then all; its lanes stay open', async () => {
    Object.assign(sink, { down: true, calls: 0 });
    const port = (server.address() as AddressInfo).port;
    engine = await make({
      connectors: { default: [{ name: 'hook', type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}` }, breaker: { minimumVolume: 100_000 } }] },
      outbound: { allow: [`127.0.0.1:${port}`] },
      worker: { concurrency: 32, batchSize: 32 },
    }, () => 0.5);
    await engine.workflows.deploy(T, {
      id: 'notify', name: 'notify', object: 'lead', trigger: { on: 'created' },
      actions: [{ id: 'post', type: 'http.request', connector: 'hook', method: 'POST', path: '"/hook"', body: { lead: 'record.id' }, retry: { attempts: 10, initial: '5s', factor: 1 } }],
    });
    // Another workflow on the same records, in the same lanes (serial): it must not wait behind held ones.
    await engine.workflows.deploy(T, {
      id: 'tag', name: 'tag', object: 'lead', trigger: { on: 'created' },
      actions: [{ id: 'tag', type: 'record.update', set: { territory: '"EMEA"' } }],
    });

    for (let i = 0; i < 20; i++) await engine.records.create(T, 'lead', { name: `early ${i}` }, USER, `early-${i}`);
    await engine.worker.drain();
    const before = await all(engine);
    expect(count(before, 'notify', 'queued')).toBe(20); // retrying: the webhook answered 503
    expect(before.filter((e) => e.workflowId === 'notify').every((e) => e.runAt > engine.clock.now())).toBe(true);
    expect(sink.calls).toBe(20);
    for (let i = 0; i < 500; i++) await engine.records.create(T, 'lead', { name: `late ${i}` }, USER, `late-${i}`);

    const paused = await engine.stops.pauseWorkflow(T, 'notify', 'alice', 'webhook is failing');
    expect(paused).toMatchObject({ held: 520, stopping: 0, hold: { workflowId: 'notify', actor: 'alice', reason: 'webhook is failing' } });
    await engine.records.create(T, 'lead', { name: 'during the pause' }, USER, 'during');

    sink.down = false;
    sink.calls = 0;
    engine.clock.advance(10 * 60_000); // far past every retry's backoff
    await engine.worker.drain();
    await engine.worker.drain();
    const held = await all(engine);
    expect(sink.calls).toBe(0);
    expect(count(held, 'notify', 'paused')).toBe(521);
    expect(held.filter((e) => e.status === 'paused').every((e) => e.stoppedBy === 'alice' && e.stopReason === 'webhook is failing')).toBe(true);
    expect(count(held, 'tag', 'succeeded')).toBe(521); // the held executions did not block their records' lanes
    // Neither a breaker close nor the sweeper requeues them.
    expect(await engine.store.releaseWaiting(T, 'connector:hook', engine.clock.now())).toBe(0);
    expect((await engine.store.sweepLeases(engine.clock.now() + 3_600_000)).requeued).toBe(0);
    expect((await engine.store.countExecutionsByStatus(T)).paused).toBe(521);

    expect(await engine.stops.resumeWorkflow(T, 'notify')).toEqual({ released: true, resumed: 521 });
    await engine.worker.drain();
    const after = await all(engine);
    expect(count(after, 'notify', 'succeeded')).toBe(521);
    expect(sink.calls).toBe(521);
    expect(await engine.store.countExecutionsByStatus(T)).toEqual({ succeeded: 1042 });
  }, 120_000);

  it('cancel by filter cancels exactly the matching executions, names who did it, and refuses an empty filter', async () => {
    engine = await make();
    for (const id of ['a', 'b']) {
      await engine.workflows.deploy(T, { id, name: id, object: 'lead', trigger: { on: 'field_changed', field: 'name' }, actions: [{ id: 's', type: 'record.update', set: { territory: '"US"' } }] });
    }
    for (const id of ['l1', 'l2', 'l3']) await engine.records.create(T, 'lead', { name: id }, USER, id);
    // field_changed fires on create too (issue 12 item 6): those executions are not this test's.
    await engine.stops.cancel(T, { status: 'queued' }, 'setup');
    const mine = async (): Promise<ExecutionRow[]> => (await all(engine)).filter((e) => e.stoppedBy !== 'setup');
    const first = await engine.records.write({ op: 'patch', tenant: T, type: 'lead', id: 'l1', data: { name: 'l1 again' }, actor: USER });
    for (const id of ['l2', 'l3']) await engine.records.write({ op: 'patch', tenant: T, type: 'lead', id, data: { name: `${id} again` }, actor: USER });
    expect((await mine()).map((e) => e.status)).toEqual(Array(6).fill('queued'));

    // One workflow on one record.
    expect(await engine.stops.cancel(T, { workflow: 'a', recordType: 'lead', recordId: 'l2' }, 'bob', 'duplicate')).toEqual({ cancelled: 1, stopping: 0 });
    // One root change: both workflows of l1.
    expect(await engine.stops.cancel(T, { rootChange: first.change?.cause.rootChangeId }, 'bob')).toEqual({ cancelled: 2, stopping: 0 });
    const rows = await mine();
    const cancelled = rows.filter((e) => e.status === 'cancelled').map((e) => `${e.workflowId}/${e.recordId}`).sort();
    expect(cancelled).toEqual(['a/l1', 'a/l2', 'b/l1']);
    const byBob = rows.filter((e) => e.status === 'cancelled');
    expect(byBob.every((e) => e.stoppedBy === 'bob' && e.finishedAt !== null)).toBe(true);
    expect(byBob.find((e) => e.recordId === 'l2')?.reason).toBe('duplicate');
    expect(byBob.find((e) => e.recordId === 'l1')?.reason).toBe('cancelled by bob');
    expect(rows.filter((e) => e.status === 'queued').map((e) => `${e.workflowId}/${e.recordId}`).sort()).toEqual(['a/l3', 'b/l2', 'b/l3']);

    // A status filter: paused ones too, and only them.
    await engine.stops.pauseWorkflow(T, 'b', 'carol');
    expect(await engine.stops.cancel(T, { status: 'paused' }, 'dave')).toEqual({ cancelled: 2, stopping: 0 });
    expect((await mine()).filter((e) => e.status === 'queued').map((e) => `${e.workflowId}/${e.recordId}`)).toEqual(['a/l3']);

    await expect(engine.stops.cancel(T, {}, 'bob')).rejects.toMatchObject({ code: 'CANCEL_FILTER_REQUIRED' });
    await expect(engine.stops.cancel(T, { status: 'succeeded' }, 'bob')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ path: '/status' }] });
    await expect(engine.stops.cancel(T, { recordId: 'l3' }, 'bob')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ path: '/record_type' }] });
    await engine.worker.drain();
    const final = await mine();
    expect(final.map((e) => e.status).sort()).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'succeeded']);
  });

  it('a running execution finishes its current step, then is held (pause) or cancelled, at its next commit', async () => {
    engine = await make();
    await engine.workflows.deploy(T, {
      id: 'two', name: 'two', object: 'lead', trigger: { on: 'created' },
      actions: [{ id: 'one', type: 'record.update', set: { territory: '"US"' } }, { id: 'two', type: 'record.update', set: { owner: '"rep-us"' } }],
    });
    await engine.records.create(T, 'lead', { name: 'x' }, USER, 'x');
    await engine.records.create(T, 'lead', { name: 'y' }, USER, 'y');
    const claimed = await engine.store.claimExecutions({ workerId: 'w', now: engine.clock.now(), leaseMs: 30_000, limit: 2 });
    expect(claimed).toHaveLength(2);
    // Asked while they run: a pause of the workflow, and a cancel of y's.
    expect(await engine.stops.pauseWorkflow(T, 'two', 'alice', 'hold on')).toMatchObject({ held: 0, stopping: 2 });
    expect(await engine.stops.cancel(T, { recordType: 'lead', recordId: 'y' }, 'bob', 'wrong lead')).toEqual({ cancelled: 0, stopping: 1 });
    await engine.worker.runClaimed(claimed.map((e) => ({ ...e })));
    const byRecord = new Map((await all(engine)).map((e) => [e.recordId, e]));
    expect(byRecord.get('x')).toMatchObject({ status: 'paused', stoppedBy: 'alice', stopReason: 'hold on', stopRequest: null });
    expect(byRecord.get('y')).toMatchObject({ status: 'cancelled', stoppedBy: 'bob', reason: 'wrong lead', stopRequest: null });
    // Nothing committed is lost: the first commit each made stands, nothing after it ran.
    expect((await engine.records.get(T, 'lead', 'x'))?.data).not.toHaveProperty('owner');

    await engine.stops.resumeWorkflow(T, 'two');
    await engine.worker.drain();
    expect(await engine.store.countExecutionsByStatus(T)).toEqual({ succeeded: 1, cancelled: 1 });
    expect((await engine.records.get(T, 'lead', 'x'))?.data).toMatchObject({ territory: 'US', owner: 'rep-us' });
  });

  it('the emergency stop holds every workflow of the tenant, new ones too, and its resume leaves a paused workflow paused', async () => {
    engine = await make();
    for (const id of ['a', 'b']) {
      await engine.workflows.deploy(T, { id, name: id, object: 'lead', trigger: { on: 'created' }, actions: [{ id: 's', type: 'record.update', set: { territory: '"US"' } }] });
    }
    await engine.records.create(T, 'lead', { name: 'one' }, USER, 'one');
    expect(await engine.stops.stopTenant(T, 'alice', 'incident 42')).toMatchObject({ held: 2, hold: { workflowId: '*' } });
    await engine.records.create(T, 'lead', { name: 'two' }, USER, 'two');
    await engine.stops.pauseWorkflow(T, 'b', 'carol');
    expect((await engine.stops.holds(T)).map((h) => h.workflowId)).toEqual(['*', 'b']);
    await engine.worker.drain();
    expect(await engine.store.countExecutionsByStatus(T)).toEqual({ paused: 4 });

    expect(await engine.stops.resumeTenant(T)).toEqual({ released: true, resumed: 2 });
    expect(await engine.stops.resumeTenant(T)).toEqual({ released: false, resumed: 0 });
    await engine.worker.drain();
    expect(await engine.store.countExecutionsByStatus(T)).toEqual({ succeeded: 2, paused: 2 });
  });
});
