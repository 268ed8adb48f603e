// The per-workflow circuit breaker: when too many of a workflow's executions fail for good, it
// opens; its executions then wait (queued, with the reason) instead of failing, and run again
// once a half-open probe succeeds.
import { afterEach, expect, it } from 'vitest';
import { closeEngine, forEachStore, USER, type TestEngine } from '../helpers/engine.js';

await forEachStore('workflow circuit breaker', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  it('opens after failures, holds executions without failing them, closes after a good probe', async () => {
    engine = await make({ workflowBreaker: { minimumVolume: 5, failureRate: 0.5, openFor: '10m' } });
    // Fails while the deal has no amount: a Closed Won deal needs one (a rule of the deal type).
    await engine.workflows.deploy('default', {
      id: 'win', name: 'win', object: 'deal', trigger: { on: 'created' },
      actions: [{ id: 'won', type: 'record.update', set: { stage: '"Closed Won"' } }],
    });
    for (let i = 0; i < 5; i++) await engine.records.create('default', 'deal', { name: `bad ${i}` }, USER, `bad-${i}`);
    await engine.worker.drain();
    expect(await engine.store.countExecutionsByStatus('default')).toEqual({ failed: 5 });
    const [breaker] = await engine.store.listBreakers('default');
    expect(breaker).toMatchObject({ key: 'workflow:win', state: { state: 'open' } });
    expect((await engine.store.listAlerts('default', 20)).some((a) => a.kind === 'breaker_open' && a.message.includes('workflow:win'))).toBe(true);

    for (let i = 0; i < 3; i++) await engine.records.create('default', 'deal', { name: `good ${i}`, amount: 10 }, USER, `good-${i}`);
    await engine.worker.drain();
    const waiting = await engine.store.listExecutions({ tenant: 'default', status: 'queued' });
    expect(waiting).toHaveLength(3);
    expect(waiting.every((e) => e.reason === 'waiting: circuit breaker workflow:win is open')).toBe(true);

    engine.clock.advance(10 * 60_000);
    await engine.worker.drain(); // one probe runs and succeeds: the breaker closes
    engine.clock.advance(5 * 60_000);
    await engine.worker.drain();
    expect(await engine.store.countExecutionsByStatus('default')).toEqual({ failed: 5, succeeded: 3 });
    const [after] = await engine.store.listBreakers('default');
    expect((after?.state as { state: string }).state).toBe('closed');
  });
});
