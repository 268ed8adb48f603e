// The faces of time triggers: GET /v1/schedules and /v1/schedules/skipped, executions that say
// which occurrence started them, `switchyard schedules` through its process, and bad time
// triggers refused at deploy with the file and path named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSwitchyardError } from '../../src/errors.js';
import { testApi, read, type TestApi } from '../helpers/api.js';
import { cli } from '../helpers/cli.js';
import { closeEngine, sqliteEngine, USER } from '../helpers/engine.js';

const WEEKLY = {
  id: 'weekly-digest', name: 'weekly digest', object: 'task',
  trigger: { on: 'schedule', cron: '0 9 * * MON', timezone: 'Europe/Berlin' },
  actions: [{ id: 'note', type: 'record.create', object: 'task', set: { subject: '"weekly digest"' } }],
};
const REMIND = {
  id: 'remind-close', name: 'remind before close', object: 'deal',
  trigger: { on: 'date', field: 'close_date', offset: '-3d', at: '09:00', timezone: 'America/New_York' },
  actions: [{ id: 'flag', type: 'record.update', set: { priority: '"closing soon"' } }],
};

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

describe('time triggers over HTTP', () => {
  it('lists schedules and timers with their next fire in their zone; executions name their occurrence', async () => {
    const { engine, app } = api;
    await engine.workflows.deploy('default', WEEKLY);
    await engine.workflows.deploy('default', REMIND);
    await engine.records.create('default', 'deal', { name: 'Acme', close_date: '2026-01-20' }, USER, 'acme');
    const listed = read<{ schedules: Record<string, unknown>[]; timers: Record<string, unknown>[] }>(await app.inject({ method: 'GET', url: '/v1/schedules' }));
    expect(listed.schedules).toEqual([expect.objectContaining({
      workflowId: 'weekly-digest', rule: 'cron 0 9 * * MON', timezone: 'Europe/Berlin', status: 'active',
      nextFire: '2026-01-05T08:00:00.000Z', nextFireLocal: '2026-01-05 09:00 Europe/Berlin', missed: 'once',
    })]);
    expect(listed.timers).toEqual([expect.objectContaining({
      workflowId: 'remind-close', record: { type: 'deal', id: 'acme' }, status: 'scheduled',
      due: '2026-01-17T14:00:00.000Z', dueLocal: '2026-01-17 09:00 America/New_York', anchor: '2026-01-20',
    })]);

    engine.clock.set(Date.parse('2026-01-17T14:00:05Z'));
    await engine.scheduler.tick();
    await engine.worker.drain();
    const executions = read<{ items: { workflowId: string; occurrence: Record<string, unknown> }[] }>(await app.inject({ method: 'GET', url: '/v1/executions?limit=50' }));
    const byWorkflow = (id: string) => executions.items.filter((e) => e.workflowId === id).map((e) => e.occurrence);
    // The clock jumped over two Mondays: policy once ran the latest and recorded the other.
    expect(byWorkflow('weekly-digest')).toEqual([{ kind: 'schedule', key: 'schedule:weekly-digest@2026-01-12T08:00:00.000Z', due: '2026-01-12T08:00:00.000Z' }]);
    expect(byWorkflow('remind-close')).toEqual([{ kind: 'timer', key: 'timer:remind-close:v1:deal/acme@2026-01-17T14:00:00.000Z', due: '2026-01-17T14:00:00.000Z' }]);
    const skipped = read<{ items: Record<string, unknown>[] }>(await app.inject({ method: 'GET', url: '/v1/schedules/skipped' }));
    expect(skipped.items).toEqual([expect.objectContaining({ kind: 'schedule', workflowId: 'weekly-digest', due: '2026-01-05T08:00:00.000Z', reason: expect.stringMatching(/policy once/) as unknown })]);
    expect((await app.inject({ method: 'GET', url: '/v1/schedules?status=nope' })).statusCode).toBe(400);
  });
});

describe('bad time triggers are deploy errors naming the file and the path', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['bad-cron.yaml', { ...WEEKLY, id: 'bad-cron', trigger: { on: 'schedule', cron: '0 25 * * *' } }, '/trigger/cron', /invalid cron/],
    ['five-words.yaml', { ...WEEKLY, id: 'five-words', trigger: { on: 'schedule', cron: 'every monday at nine' } }, '/trigger/cron', /invalid cron/],
    ['bad-zone.yaml', { ...WEEKLY, id: 'bad-zone', trigger: { on: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Atlantis' } }, '/trigger/timezone', /unknown time zone "Europe\/Atlantis"/],
    ['not-a-date.yaml', { ...REMIND, id: 'not-a-date', trigger: { on: 'date', field: 'amount', offset: '-3d' } }, '/trigger/field', /amount is a number field, not a datetime/],
    ['too-fast.yaml', { ...WEEKLY, id: 'too-fast', trigger: { on: 'schedule', every: '500ms' } }, '/trigger/every', /at least 1s/],
    ['both.yaml', { ...WEEKLY, id: 'both', trigger: { on: 'schedule', cron: '0 9 * * *', every: '1h' } }, '/trigger', /exactly one of cron or every/],
  ];
  for (const [file, definition, path, message] of cases) {
    it(`${file}: ${path}`, async () => {
      const error = await api.engine.workflows.deploy('default', definition, { file }).catch((e: unknown) => e);
      expect(isSwitchyardError(error) && error.code).toBe('WORKFLOW_INVALID');
      const problems = isSwitchyardError(error) ? error.problems : [];
      expect(problems).toContainEqual(expect.objectContaining({ file, path, message: expect.stringMatching(message) as unknown }));
      expect(await api.engine.workflows.list('default')).toEqual([]); // nothing deployed
    });
  }
});

describe('switchyard schedules', () => {
  it('prints each schedule and timer with its next fire; a bad cron file fails deploy naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-schedules-'));
    const store = join(dir, 'store.db');
    writeFileSync(join(dir, 'weekly.json'), JSON.stringify(WEEKLY));
    writeFileSync(join(dir, 'remind.json'), JSON.stringify(REMIND));
    // The store is set up in process (each CLI start costs seconds); the commands under test run as processes.
    const setup = await sqliteEngine({}, store);
    await setup.workflows.deploy('default', WEEKLY);
    await setup.workflows.deploy('default', REMIND);
    await setup.records.create('default', 'deal', { name: 'Acme', close_date: '2099-06-20' }, USER, 'acme');
    await closeEngine(setup);
    const listed = await cli(['schedules', '--store', store]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^schedule {2}weekly-digest@v1 {2}cron 0 9 \* \* MON {2}next \d{4}-\d{2}-\d{2} 09:00 Europe\/Berlin \(/m);
    expect(listed.stdout).toContain('timer     remind-close@v1  deal/acme  due 2099-06-17 09:00 America/New_York (2099-06-17T13:00:00.000Z)  anchor 2099-06-20');

    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...WEEKLY, id: 'broken', trigger: { on: 'schedule', cron: '61 * * * *' } }));
    const broken = await cli(['deploy', '--store', store, join(dir, 'broken.json')]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/broken\.json.*\/trigger\/cron.*invalid cron/s);
  }, 120_000);
});
