// Loops are bounded three ways (invariant 7): refused at deploy, and at run time by causal depth,
// a budget per root change, and re-entry rules. A stopped execution is skipped with the guard and
// its causal path, and raises a loop alert.
import { afterEach, describe, expect, it } from 'vitest';
import { isSwitchyardError } from '../../src/errors.js';
import type { RawConfig } from '../../src/config.js';
import { closeEngine, exampleDefinitions, forEachStore, USER, type TestEngine } from '../helpers/engine.js';


const lead = (id: string, trigger: object, set: Record<string, string>, extra: object = {}) => ({
  id, name: id, object: 'lead', trigger, actions: [{ id: 'set', type: 'record.update', set }], ...extra,
});

/** The article's five workflows, written so that every pass really changes something: a true runaway. */
const RUNAWAY = [
  lead('assign-rep', { on: 'created' }, { owner: 'has(record.territory) && record.territory == "EMEA" ? "rep-emea" : "rep-us"' }),
  lead('send-welcome', { on: 'field_changed', field: 'owner' }, { welcomes: 'has(record.welcomes) ? record.welcomes + 1.0 : 1.0' }),
  lead('update-score', { on: 'field_changed', field: 'welcomes' }, { score: 'has(record.score) ? record.score + 10.0 : 10.0' }),
  lead('reevaluate-territory', { on: 'field_changed', field: 'score' }, { territory: 'int(record.score / 10.0) % 2 == 1 ? "EMEA" : "US"' }),
  lead('reassign', { on: 'field_changed', field: 'territory' }, { owner: 'record.territory == "EMEA" ? "rep-emea" : "rep-us"' }),
];
const CONFIG: RawConfig = { objects: { lead: { fields: { welcomes: { type: 'number' } } } } };

await forEachStore('loop protection', (make) => {
  let engine: TestEngine;
  afterEach(() => closeEngine(engine));

  describe('deploy-time cycle check', () => {
    it('refuses the article\'s five workflows with the cycle in the error, and deploys nothing', async () => {
      engine = await make();
      const error = await engine.workflows.deployMany('default', exampleDefinitions('test/fixtures/article-loop').map((value) => ({ value }))).catch((e: unknown) => e);
      expect(isSwitchyardError(error) && error.code).toBe('WORKFLOW_CYCLE');
      expect((error as Error).message).toContain('send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome');
      expect(await engine.workflows.list('default')).toEqual([]);
    });

    it('refuses the deploy that closes a cycle, one workflow at a time', async () => {
      engine = await make();
      const defs = exampleDefinitions('test/fixtures/article-loop') as { id: string }[];
      const last = defs.find((d) => d.id === 'reassign');
      for (const d of defs.filter((x) => x !== last)) await engine.workflows.deploy('default', d);
      await expect(engine.workflows.deploy('default', last)).rejects.toMatchObject({ code: 'WORKFLOW_CYCLE' });
    });

    it('deploys the fixed set: a re-entry rule guards the cycle', async () => {
      engine = await make();
      const results = await engine.workflows.deployMany('default', exampleDefinitions('test/fixtures/article-loop-fixed').map((value) => ({ value })));
      expect(results).toHaveLength(5);
      const report = await engine.workflows.graph('default');
      expect(report.cycles).toHaveLength(1);
      expect(report.cycles[0]?.guarded).toBe(true);
    });
  });

  describe('run-time guards, with the static check forced off', () => {
    /** Alerts the engine raised (and would deliver to the alert connector), in order. */
    const raised: string[] = [];
    async function runaway(raw: RawConfig): Promise<void> {
      engine = await make({ ...CONFIG, ...raw });
      raised.length = 0;
      engine.events.on('alert:raised', (alert) => raised.push(`${alert.kind}: ${alert.message}`));
      await engine.workflows.deployMany('default', RUNAWAY.map((value) => ({ value })), { allowCycles: true });
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'lead-1');
      await engine.worker.drain();
    }

    it('the causal depth limit stops the chain at depth 5, with a loop alert naming the path', async () => {
      await runaway({});
      const execs = await engine.store.listExecutions({ tenant: 'default', limit: 1000 });
      const ran = execs.filter((e) => e.status === 'succeeded');
      const stopped = execs.filter((e) => e.status === 'skipped');
      expect(ran).toHaveLength(5);
      expect(stopped).toHaveLength(1);
      expect(stopped[0]?.reason).toMatch(/^loop guard \(depth\): causal depth 5 reached the limit of 5; path assign-rep -> send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome$/);
      const [alert] = await engine.store.listAlerts('default', 10);
      expect(alert).toMatchObject({ kind: 'loop', severity: 'warning' });
      expect((alert?.details as { path: string[] }).path).toEqual(['assign-rep', 'send-welcome', 'update-score', 'reevaluate-territory', 'reassign', 'send-welcome']);
      expect(raised).toEqual(['loop: stopped send-welcome on lead/lead-1: causal depth 5 reached the limit of 5']);
    });

    it('with a high depth limit, the budget of 25 executions per root change ends the loop (not 847)', async () => {
      await runaway({ loops: { maxDepth: 100 } });
      const execs = await engine.store.listExecutions({ tenant: 'default', limit: 1000 });
      const ran = execs.filter((e) => e.status !== 'skipped');
      expect(ran.length).toBeLessThanOrEqual(25);
      expect(ran.length).toBeGreaterThanOrEqual(24);
      const stopped = execs.filter((e) => e.status === 'skipped');
      expect(stopped).toHaveLength(1);
      expect(stopped[0]?.reason).toMatch(/loop guard \(budget\)/);
      expect(new Set(execs.map((e) => e.rootChangeId)).size).toBe(1);
    });

    it('a per-tenant budget overrides the default', async () => {
      await runaway({ loops: { maxDepth: 100, tenants: { default: { budget: 10 } } } });
      const ran = (await engine.store.listExecutions({ tenant: 'default', limit: 1000 })).filter((e) => e.status !== 'skipped');
      expect(ran.length).toBeLessThanOrEqual(10);
    });

    it('a re-entry rule (once per 24 h per record) stops the second pass and allows it a day later', async () => {
      engine = await make({ ...CONFIG, loops: { maxDepth: 100 } });
      const withRule = RUNAWAY.map((d) => d.id === 'reassign' ? { ...d, reentry: { policy: 'once_per_period', within: '24h' } } : d);
      await engine.workflows.deployMany('default', withRule.map((value) => ({ value })));
      await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'lead-1');
      await engine.worker.drain();
      const reassign = await engine.store.listExecutions({ tenant: 'default', workflowId: 'reassign' });
      expect(reassign.map((e) => e.status).sort()).toEqual(['skipped', 'succeeded']);
      expect(reassign.find((e) => e.status === 'skipped')?.reason).toMatch(/loop guard \(reentry\): already ran for lead\/lead-1 within 24h/);
      engine.clock.advance(25 * 3_600_000);
      await engine.records.write({ op: 'patch', tenant: 'default', type: 'lead', id: 'lead-1', data: { territory: 'NORTH' }, actor: USER });
      await engine.worker.drain();
      const after = await engine.store.listExecutions({ tenant: 'default', workflowId: 'reassign' });
      expect(after.filter((e) => e.status === 'succeeded')).toHaveLength(2);
    });

    it('on_value_change runs only when a field it reads changed', async () => {
      engine = await make();
      await engine.workflows.deploy('default', {
        id: 'touch', name: 'touch', object: 'deal', trigger: { on: 'updated' }, conditions: ['has(record.amount)'],
        reentry: { policy: 'on_value_change' }, actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }],
      }, { allowCycles: true });
      await engine.records.create('default', 'deal', { name: 'Acme', amount: 5 }, USER, 'd1');
      await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { name: 'Acme Inc' }, actor: USER });
      await engine.records.write({ op: 'patch', tenant: 'default', type: 'deal', id: 'd1', data: { amount: 6 }, actor: USER });
      const execs = await engine.store.listExecutions({ tenant: 'default' });
      expect(execs.map((e) => e.status).sort()).toEqual(['queued', 'skipped']);
    });
  });
});
