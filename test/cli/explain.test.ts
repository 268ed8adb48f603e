// `switchyard explain` through its process, on a store file set up in-process: the three reasons in
// text, the same answer as JSON, and a clear error with a non-zero exit for a bad record or limit.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordExplanation } from '../../src/services/explain.js';
import { cli } from '../helpers/cli.js';
import { closeEngine, sqliteEngine } from '../helpers/engine.js';
import { setUpExplainRecords } from '../helpers/explain-fixture.js';

let store = '';
beforeAll(async () => {
  const engine = await sqliteEngine();
  await setUpExplainRecords(engine);
  store = engine.path;
  await closeEngine(engine);
});

/** Each test starts several CLI processes (at once): on a loaded machine each takes seconds to boot. */
const CLI_TIMEOUT_MS = 120_000;

describe('switchyard explain', () => {
  it('prints, per change, why each workflow did or did not run', async () => {
    const [deal, lead, account] = await Promise.all([
      cli(['explain', 'deal', 'deal-small', '--store', store]),
      cli(['explain', 'lead', 'lead-1', '--store', store, '--limit', '1']),
      cli(['explain', 'account', 'account-1', '--store', store, '--json']),
    ]);
    expect(deal.code).toBe(0);
    expect(deal.stdout).toMatch(/^2026-01-01T00:00:01\.000Z {2}created \(amount, name, stage\) by alice, depth 0 {2}change \S+$/m);
    expect(deal.stdout).toMatch(/^ {2}skipped {2}flag-big-deals v1 +condition_false: condition 0 was false: big amount$/m);
    expect(deal.stdout).toMatch(/^ {11}execution \S+ skipped$/m);
    expect(deal.stdout).toMatch(/^ {2}no +deal-won v1 +trigger_not_matched: trigger did not match: stage changed to "Proposal", not to "Closed Won"$/m);

    expect(lead.stdout).toMatch(/^ {2}stopped {2}welcome-lead v1 +loop_guard: stopped by the reentry loop guard: already ran once for lead\/lead-1; path welcome-lead$/m);
    expect(lead.stdout).toContain('older changes not shown (--limit to see more)');

    expect(account.code).toBe(0);
    const answer = JSON.parse(account.stdout) as RecordExplanation;
    expect(answer.changes[0]?.workflows).toEqual([expect.objectContaining({ workflowId: 'greet-account', verdict: 'disabled' })]);
  }, CLI_TIMEOUT_MS);

  it('a record that was never written and a bad limit are errors with a non-zero exit', async () => {
    const [missing, badLimit] = await Promise.all([
      cli(['explain', 'lead', 'nobody', '--store', store]),
      cli(['explain', 'lead', 'lead-1', '--store', store, '--limit', 'lots']),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error RECORD_NOT_FOUND: lead nobody has no changes: it was never written');
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('limit: must be a whole number from 1 to 100, got NaN');
  }, CLI_TIMEOUT_MS);
});
