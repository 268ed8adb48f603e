// Three records set up so that explain must name each reason a workflow did not run: a false
// condition (deal-small), a loop guard (lead-1's second owner change, stopped by a re-entry rule)
// and a disabled workflow (account-1), plus trigger misses beside them.
import type { Engine } from '../../src/engine.js';
import type { ManualClock } from '../../src/clock.js';

export const EXPLAIN_WORKFLOWS = [
  {
    id: 'flag-big-deals', name: 'Flag big deals', object: 'deal', trigger: { on: 'created' },
    // An int literal beside a number field: reads as 1000.0 (authoring).
    conditions: [{ name: 'big amount', expr: 'record.amount > 1000' }],
    actions: [{ id: 'flag', type: 'record.update', set: { priority: '"high"' } }],
  },
  {
    id: 'deal-won', name: 'Deal won', object: 'deal', trigger: { on: 'field_changed', field: 'stage', to: 'Closed Won' },
    actions: [{ id: 'mark', type: 'record.update', set: { priority: '"won"' } }],
  },
  {
    id: 'welcome-lead', name: 'Welcome a lead once', object: 'lead', trigger: { on: 'field_changed', field: 'owner' },
    reentry: { policy: 'once' },
    actions: [{ id: 'welcome', type: 'record.update', set: { welcome_sent: 'true' } }],
  },
  {
    id: 'greet-account', name: 'Greet new accounts', object: 'account', trigger: { on: 'created' },
    actions: [{ id: 'tier', type: 'record.update', set: { tier: '"new"' } }],
  },
];

const USER = { kind: 'user', id: 'alice' } as const;

/** Deploys the workflows, disables greet-account, and writes the three records (running what they queue). */
export async function setUpExplainRecords(engine: Engine & { clock: ManualClock }, tenant = 'default'): Promise<void> {
  await engine.workflows.deployMany(tenant, EXPLAIN_WORKFLOWS.map((value) => ({ value })));
  await engine.workflows.setEnabled(tenant, 'greet-account', false);
  engine.clock.advance(1_000);
  await engine.records.create(tenant, 'deal', { name: 'Small', amount: 10, stage: 'Proposal' }, USER, 'deal-small');
  await engine.records.create(tenant, 'lead', { name: 'Ada', owner: 'rep-a' }, USER, 'lead-1');
  await engine.records.create(tenant, 'account', { name: 'Acme' }, USER, 'account-1');
  await engine.worker.drain();
  engine.clock.advance(1_000);
  await engine.records.write({ op: 'patch', tenant, type: 'lead', id: 'lead-1', data: { owner: 'rep-b' }, actor: USER });
  await engine.worker.drain();
}
