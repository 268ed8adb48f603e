// Poison-pill containment at the engine level. The crashed state is written directly (STYLE.md
// habit 12): an execution is claimed by a worker that "dies" and its lease is left to run out. A
// restarted server must sweep and dead-letter the culprit without ever running it again, while an
// innocent neighbour that lost its lease in the same crash runs normally.
import { afterEach, expect, it } from 'vitest';
import type { ExecutionRow } from '../../src/domain/types.js';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

const LEASE_MS = 30_000;
const bump = {
  id: 'bump', name: 'bump', object: 'deal', trigger: { on: 'created' },
  actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }],
};

await forEachStore('poison-pill containment', (make, _backend, again) => {
  const open: TestEngine[] = [];
  afterEach(async () => { for (const e of open.splice(0)) await closeEngine(e); });

  /** The dead worker claims what the store gives it at `e`'s now; its lease then runs out. */
  async function claimAsDeadWorker(e: TestEngine, busy = false): Promise<ExecutionRow[]> {
    return e.store.claimExecutions({ workerId: 'dead', now: e.clock.now(), leaseMs: LEASE_MS, limit: 10, busy });
  }

  it('a restarted server dead-letters an execution that crashed its worker 3 times; the innocent neighbour runs', async () => {
    const a = await make();
    open.push(a);
    await a.workflows.deploy('default', bump);
    await a.records.create('default', 'deal', { name: 'Poison' }, USER, 'culprit');
    // Two crashes while it ran alone: claimed, lease ran out, swept back (count 2).
    for (let i = 0; i < 2; i++) {
      expect((await claimAsDeadWorker(a)).map((r) => r.recordId)).toEqual(['culprit']);
      a.clock.advance(LEASE_MS + 1);
      expect(await a.store.sweepExpiredLeases(a.clock.now())).toBe(1);
    }
    await a.records.create('default', 'deal', { name: 'Innocent' }, USER, 'innocent');
    // The third crash takes both: the suspect alone in one claim, the innocent in the next.
    const [culprit] = await claimAsDeadWorker(a);
    expect(culprit).toMatchObject({ recordId: 'culprit', leaseExpiries: 2, attempt: 3 });
    const [innocent] = await claimAsDeadWorker(a, true);
    expect(innocent).toMatchObject({ recordId: 'innocent', leaseExpiries: 0 });

    // Restart: a new process on the same store, after the dead worker's leases ran out.
    const b = await again(a);
    open.push(b);
    b.clock.set(a.clock.now() + LEASE_MS + 1);
    const claimedByB: string[] = [];
    b.events.on('execution:claimed', (exec) => claimedByB.push(exec.recordId));
    const alerts: string[] = [];
    b.events.on('alert:raised', (alert) => alerts.push(alert.kind));
    const finished = new Map<string, string>();
    const bothDone = new Promise<void>((resolve) => b.events.on('execution:finished', (exec, status) => {
      finished.set(exec.recordId, status);
      if (finished.size === 2) resolve();
    }));
    b.worker.start();
    await bothDone;
    await b.worker.stop();

    expect(Object.fromEntries(finished)).toEqual({ culprit: 'failed', innocent: 'succeeded' });
    expect(claimedByB).toEqual(['innocent']); // the culprit never ran again
    const failed = await b.store.getExecution('default', culprit!.id);
    expect(failed).toMatchObject({ status: 'failed', leaseExpiries: 3, attempt: 3 });
    expect(failed?.reason).toMatch(/^quarantined: its lease ran out 3 times without a checkpoint/);
    const [alert] = (await b.store.listAlerts('default', 10)).filter((x) => x.kind === 'dead_letter');
    expect(alert).toMatchObject({ severity: 'critical', details: { executionId: culprit!.id, code: 'EXECUTION_QUARANTINED' } });
    expect(alerts).toEqual(['dead_letter']); // delivered once the sweep committed
    const task = await b.records.get('default', 'task', `ops:${culprit!.id}:3`);
    expect(task.data).toMatchObject({ owner: 'ops', related_id: 'culprit' });
    expect((await b.records.get('default', 'deal', 'culprit')).data.priority).toBeUndefined();

    expect(await b.store.getExecution('default', innocent!.id)).toMatchObject({ status: 'succeeded', leaseExpiries: 0, attempt: 2 });
    expect((await b.records.get('default', 'deal', 'innocent')).data.priority).toBe('high');
  });

  it('honours worker.maxLeaseExpiries: with 1, the first expiry quarantines', async () => {
    const a = await make({ worker: { maxLeaseExpiries: 1 } });
    open.push(a);
    expect(a.config.worker.maxLeaseExpiries).toBe(1);
    await a.workflows.deploy('default', bump);
    await a.records.create('default', 'deal', { name: 'Once' }, USER, 'd1');
    const [row] = await claimAsDeadWorker(a);
    a.clock.advance(LEASE_MS + 1);
    const done = new Promise<string>((resolve) => a.events.once('execution:finished', (_e, status) => resolve(status)));
    a.worker.start();
    expect(await done).toBe('failed'); // the first expiry already quarantines it
    await a.worker.stop();
    expect(await a.store.getExecution('default', row!.id)).toMatchObject({ status: 'failed', leaseExpiries: 1 });
  });
});
