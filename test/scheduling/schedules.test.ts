// Schedules on the injected clock: a weekly schedule fires 52 times in a year, daily fires across
// real DST transitions run each local day once, downtime follows the missed-fire policy with every
// skipped fire recorded, and for_each fans out per matching record in chunks.
import { expect, it } from 'vitest';
import type { ExecutionRow } from '../../src/domain/types.js';
import { localParts } from '../../src/scheduling/zoned-time.js';
import { USER } from '../helpers/engine.js';
import { forEachTimeStore, runUntil, scheduleWorkflow, type TimeEngine } from './helpers.js';

async function fires(engine: TimeEngine, workflowId: string): Promise<ExecutionRow[]> {
  const all = await engine.store.listExecutions({ tenant: 'default', workflowId, limit: 10_000 });
  return all.filter((e) => e.occurrenceKind === 'schedule' && e.kind === 'workflow');
}

const dueOf = (e: ExecutionRow): number => Date.parse(((e.input as { payload: { dueAt: string } }).payload).dueAt);

await forEachTimeStore('schedules', (make) => {
  it('a weekly schedule fires 52 times in a simulated year, each on Monday 09:00 in Berlin', async () => {
    const engine = await make();
    await engine.workflows.deploy('default', scheduleWorkflow('weekly', { cron: '0 9 * * MON', timezone: 'Europe/Berlin' }));
    await runUntil(engine, Date.parse('2027-01-01T00:00:00Z'));
    const runs = await fires(engine, 'weekly');
    expect(runs).toHaveLength(52);
    expect(new Set(runs.map((e) => e.triggerKey)).size).toBe(52);
    for (const e of runs) {
      const local = localParts(dueOf(e), 'Europe/Berlin');
      expect([new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay(), local.hour, local.minute]).toEqual([1, 9, 0]);
    }
    expect(runs.every((e) => e.status === 'succeeded')).toBe(true);
    expect(await engine.schedules.skipped('default')).toEqual([]);
  }, 60_000);

  it('across real DST transitions in New York and Berlin each local day fires exactly once', async () => {
    const engine = await make({ start: '2026-03-01T00:00:00Z' });
    // 02:30 does not exist on the spring-forward night (both zones); 01:30 New York and 02:30 Berlin happen twice in the fall.
    const cases = [
      { id: 'ny-0230', cron: '30 2 * * *', timezone: 'America/New_York' },
      { id: 'ny-0130', cron: '30 1 * * *', timezone: 'America/New_York' },
      { id: 'berlin-0230', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
    ];
    for (const c of cases) await engine.workflows.deploy('default', scheduleWorkflow(c.id, { cron: c.cron, timezone: c.timezone }));
    await runUntil(engine, Date.parse('2026-04-05T00:00:00Z'));
    // Disabled over the summer (nothing fires, nothing is missed), enabled again for the fall-back weeks.
    for (const c of cases) await engine.workflows.setEnabled('default', c.id, false);
    engine.clock.set(Date.parse('2026-10-15T00:00:00Z'));
    for (const c of cases) await engine.workflows.setEnabled('default', c.id, true);
    await runUntil(engine, Date.parse('2026-11-10T00:00:00Z'));
    for (const c of cases) {
      const runs = await fires(engine, c.id);
      const days = runs.map((e) => { const p = localParts(dueOf(e), c.timezone); return `${p.month}-${p.day}`; });
      expect(new Set(days).size, c.id).toBe(days.length); // no local day twice
      expect(days.length, c.id).toBe(35 + 26); // 2026-03-01 .. 04-04 and 10-15 .. 11-09: every day once
    }
    // The gap fires right after it (03:00 local), on the spring-forward day.
    const gap = (await fires(engine, 'ny-0230')).map(dueOf).find((t) => new Date(t).toISOString().startsWith('2026-03-08'));
    expect(new Date(gap as number).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    const berlinGap = (await fires(engine, 'berlin-0230')).map(dueOf).find((t) => new Date(t).toISOString().startsWith('2026-03-29'));
    expect(new Date(berlinGap as number).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // The repeated hour fires once, at its first occurrence.
    const repeat = (await fires(engine, 'ny-0130')).map(dueOf).filter((t) => new Date(t).toISOString().startsWith('2026-11-01'));
    expect(repeat.map((t) => new Date(t).toISOString())).toEqual(['2026-11-01T05:30:00.000Z']);
    expect(await engine.schedules.skipped('default')).toEqual([]);
  }, 90_000);

  it('downtime across 3 fires with missed: once gives one run and two recorded skips', async () => {
    const engine = await make({ start: '2026-02-01T08:00:00Z' });
    await engine.workflows.deploy('default', scheduleWorkflow('daily', { cron: '0 9 * * *' }));
    await engine.workflows.deploy('default', scheduleWorkflow('daily-skip', { cron: '0 9 * * *', missed: 'skip' }));
    await engine.workflows.deploy('default', scheduleWorkflow('daily-all', { cron: '0 9 * * *', missed: 'all' }));
    engine.clock.set(Date.parse('2026-02-03T10:00:00Z')); // down from before Feb 1 09:00 until after Feb 3 09:00
    await engine.scheduler.tick();
    await engine.scheduler.tick(); // a second pass (another process, a restart) changes nothing
    const once = await fires(engine, 'daily');
    expect(once.map((e) => new Date(dueOf(e)).toISOString())).toEqual(['2026-02-03T09:00:00.000Z']);
    expect((await fires(engine, 'daily-skip'))).toEqual([]);
    expect((await fires(engine, 'daily-all')).map(dueOf).sort()).toHaveLength(3);
    const skipped = await engine.schedules.skipped('default');
    const of = (id: string): string[] => skipped.filter((s) => s.workflowId === id).map((s) => s.due).sort();
    expect(of('daily')).toEqual(['2026-02-01T09:00:00.000Z', '2026-02-02T09:00:00.000Z']);
    expect(skipped.find((s) => s.workflowId === 'daily')?.reason).toMatch(/policy once/);
    expect(of('daily-skip')).toEqual(['2026-02-01T09:00:00.000Z', '2026-02-02T09:00:00.000Z', '2026-02-03T09:00:00.000Z']);
    expect(of('daily-all')).toEqual([]);
    // Back to normal: the next fire is on time and runs.
    await runUntil(engine, Date.parse('2026-02-04T09:00:30Z'));
    expect(await fires(engine, 'daily')).toHaveLength(2);
    expect(await fires(engine, 'daily-skip')).toHaveLength(1);
  });

  it('every: 15m and a six-field cron with seconds fire on their grid', async () => {
    const engine = await make({ start: '2026-05-01T00:00:00Z' });
    await engine.workflows.deploy('default', scheduleWorkflow('quarter', { every: '15m' }));
    await engine.workflows.deploy('default', scheduleWorkflow('ten-seconds', { cron: '*/10 * * * * *' }));
    await runUntil(engine, Date.parse('2026-05-01T00:02:00Z'));
    expect((await fires(engine, 'ten-seconds')).map((e) => new Date(dueOf(e)).toISOString().slice(14, 19)).sort())
      .toEqual(['00:10', '00:20', '00:30', '00:40', '00:50', '01:00', '01:10', '01:20', '01:30', '01:40', '01:50', '02:00']);
    await engine.workflows.setEnabled('default', 'ten-seconds', false);
    await runUntil(engine, Date.parse('2026-05-01T01:00:00Z'));
    expect((await fires(engine, 'quarter')).map((e) => new Date(dueOf(e)).toISOString().slice(11, 19)).sort())
      .toEqual(['00:15:00', '00:30:00', '00:45:00', '01:00:00']);
  }, 60_000);

  it('for_each fans out once per matching record, in chunks, and a second pass queues nothing', async () => {
    const engine = await make({ start: '2026-05-01T00:00:00Z', chunk: 2 });
    for (let i = 0; i < 7; i++) await engine.records.create('default', 'deal', { name: `d${i}`, stage: i % 2 === 0 ? 'Proposal' : 'Won' }, USER, `deal-${i}`);
    await engine.workflows.deploy('default', {
      id: 'nudge', name: 'nudge proposals', object: 'deal',
      trigger: { on: 'schedule', cron: '0 8 * * *', for_each: { object: 'deal', where: 'record.stage == "Proposal"' } },
      actions: [{ id: 'flag', type: 'record.update', set: { priority: '"nudged"' } }],
    });
    engine.clock.set(Date.parse('2026-05-01T08:00:01Z'));
    const first = await engine.scheduler.tick();
    expect(first.fanouts).toBeGreaterThanOrEqual(2); // 7 records, 2 per transaction
    await engine.scheduler.tick();
    await engine.worker.drain();
    const runs = await fires(engine, 'nudge');
    expect(runs.map((e) => e.recordId).sort()).toEqual(['deal-0', 'deal-2', 'deal-4', 'deal-6']);
    expect((await engine.store.getRecord('default', 'deal', 'deal-2'))?.data.priority).toBe('nudged');
    expect((await engine.store.getRecord('default', 'deal', 'deal-1'))?.data.priority).toBeUndefined();
  });
});
