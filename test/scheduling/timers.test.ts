// Relative-date timers on the injected clock: computed in the write that sets the anchor, moved
// when it moves, cancelled with a reason when the record is deleted or the field cleared, and
// fired once, with the conditions checked on the record as it is when the timer fires.
import { expect, it } from 'vitest';
import type { Json } from '../../src/domain/types.js';
import { USER } from '../helpers/engine.js';
import { forEachTimeStore, runUntil, type TimeEngine } from './helpers.js';

const REMIND = {
  id: 'remind-close', name: 'remind the owner 3 days before close', object: 'deal',
  trigger: { on: 'date', object: 'deal', field: 'close_date', offset: '-3d', at: '09:00', timezone: 'America/New_York' },
  conditions: ['record.stage != "Closed Won"'],
  actions: [{ id: 'flag', type: 'record.update', set: { priority: '"closing soon"' } }],
};

const WEEK_AFTER = {
  id: 'week-after', name: 'check in a week after creation', object: 'deal',
  trigger: { on: 'date', after: 'created', offset: '7d' },
  actions: [{ id: 'task', type: 'record.create', object: 'task', set: { subject: '"check in on " + record.name' } }],
};

function patch(engine: TimeEngine, id: string, data: Record<string, Json>) {
  return engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id, data, actor: USER });
}

async function timersOf(engine: TimeEngine, recordId: string) {
  return (await engine.schedules.list('default', { status: 'all' })).timers.filter((t) => t.record.id === recordId);
}

await forEachTimeStore('relative-date timers', (make) => {
  it('moving close_date moves the timer; the fire runs once, on the record as it is then', async () => {
    const engine = await make({ start: '2026-03-01T12:00:00Z' });
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'Acme', stage: 'Proposal', close_date: '2026-03-20' }, USER, 'd1');
    // 3 days before March 20 at 09:00 New York (EDT since March 8) = 13:00 UTC.
    expect((await timersOf(engine, 'd1')).map((t) => [t.status, t.due, t.dueLocal])).toEqual([['scheduled', '2026-03-17T13:00:00.000Z', '2026-03-17 09:00 America/New_York']]);
    await patch(engine, 'd1', { close_date: '2026-03-05' });
    // Before the spring-forward: 09:00 EST = 14:00 UTC.
    expect((await timersOf(engine, 'd1')).map((t) => [t.status, t.due])).toEqual([['scheduled', '2026-03-02T14:00:00.000Z']]);
    await patch(engine, 'd1', { amount: 500 }); // not the anchor: the timer stays
    expect((await timersOf(engine, 'd1')).map((t) => t.due)).toEqual(['2026-03-02T14:00:00.000Z']);

    await runUntil(engine, Date.parse('2026-03-02T13:59:00Z'));
    expect((await engine.store.getRecord('default', 'deal', 'd1'))?.data.priority).toBeUndefined();
    await runUntil(engine, Date.parse('2026-03-03T00:00:00Z'));
    const runs = await engine.store.listExecutions({ tenant: 'default', workflowId: 'remind-close' });
    expect(runs.map((e) => [e.occurrenceKind, e.recordId, e.status, e.triggerKey])).toEqual([
      ['timer', 'd1', 'succeeded', 'timer:remind-close:v1:deal/d1@2026-03-02T14:00:00.000Z'],
    ]);
    expect((await engine.store.getRecord('default', 'deal', 'd1'))?.data.priority).toBe('closing soon');
    expect((await timersOf(engine, 'd1')).map((t) => t.status)).toEqual(['fired']);
    await engine.scheduler.tick();
    expect(await engine.store.listExecutions({ tenant: 'default', workflowId: 'remind-close' })).toHaveLength(1);
  });

  it('deleting the deal or clearing the field cancels the timer with a reason; nothing fires', async () => {
    const engine = await make({ start: '2026-03-01T12:00:00Z' });
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'Gone', close_date: '2026-03-20' }, USER, 'gone');
    await engine.records.create('default', 'deal', { name: 'Cleared', close_date: '2026-03-20' }, USER, 'cleared');
    await engine.records.write({ op: 'delete', tenant: 'default', type: 'deal', id: 'gone', actor: USER });
    await patch(engine, 'cleared', { close_date: null });
    expect((await timersOf(engine, 'gone')).map((t) => [t.status, t.reason])).toEqual([['cancelled', 'the deal was deleted']]);
    expect((await timersOf(engine, 'cleared')).map((t) => [t.status, t.reason])).toEqual([['cancelled', 'close_date was cleared']]);
    await runUntil(engine, Date.parse('2026-03-25T00:00:00Z'));
    expect(await engine.store.listExecutions({ tenant: 'default', workflowId: 'remind-close' })).toEqual([]);
    // Setting the field again schedules it again.
    await patch(engine, 'cleared', { close_date: '2026-04-10' });
    expect((await timersOf(engine, 'cleared')).map((t) => [t.status, t.due])).toEqual([['scheduled', '2026-04-07T13:00:00.000Z']]);
  });

  it('conditions are checked when the timer fires: a deal won meanwhile is skipped with the reason', async () => {
    const engine = await make({ start: '2026-03-01T12:00:00Z' });
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'Won', stage: 'Proposal', close_date: '2026-03-20' }, USER, 'won');
    await patch(engine, 'won', { stage: 'Closed Won', amount: 10 });
    await runUntil(engine, Date.parse('2026-03-18T00:00:00Z'));
    const [run] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'remind-close' });
    expect([run?.occurrenceKind, run?.status]).toEqual(['timer', 'skipped']);
    expect(run?.reason).toMatch(/Closed Won/);
  });

  it('after: created, offset: 7d fires a week after the create; a close date already past is recorded as skipped', async () => {
    const engine = await make({ start: '2026-06-01T10:00:00Z' });
    await engine.workflows.deploy('default', WEEK_AFTER);
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'Late', close_date: '2026-06-02' }, USER, 'late');
    expect((await timersOf(engine, 'late')).map((t) => [t.workflowId, t.status, t.due]).sort()).toEqual([
      ['remind-close', 'skipped', '2026-05-30T13:00:00.000Z'],
      ['week-after', 'scheduled', '2026-06-08T10:00:00.000Z'],
    ]);
    expect((await engine.schedules.skipped('default')).map((s) => [s.workflowId, s.record?.id, s.reason])).toEqual([
      ['remind-close', 'late', 'due 2026-05-30T13:00:00.000Z, before the write that set it'],
    ]);
    await runUntil(engine, Date.parse('2026-06-09T00:00:00Z'));
    const runs = await engine.store.listExecutions({ tenant: 'default', workflowId: 'week-after' });
    expect(runs.map((e) => [e.occurrenceKind, e.status])).toEqual([['timer', 'succeeded']]);
  });

  it('a new version replaces the record\'s timer of the old one when the anchor is written', async () => {
    const engine = await make({ start: '2026-03-01T12:00:00Z' });
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'V', close_date: '2026-03-20' }, USER, 'v');
    await engine.workflows.deploy('default', { ...REMIND, trigger: { ...REMIND.trigger, offset: '-1d' } });
    await patch(engine, 'v', { close_date: '2026-03-21' });
    expect((await timersOf(engine, 'v')).map((t) => [t.version, t.status, t.reason ?? '']).sort()).toEqual([
      [1, 'cancelled', 'replaced by version 2'],
      [2, 'scheduled', ''],
    ]);
  });
});
