// GET /v1/records/{type}/{id}/explain over HTTP: the three reasons, execution links that resolve,
// ISO times, and problems naming the parameter for bad input.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordExplanation } from '../../src/services/explain.js';
import { read, testApi, type TestApi } from '../helpers/api.js';
import { setUpExplainRecords } from '../helpers/explain-fixture.js';

let api: TestApi;
beforeEach(async () => {
  api = await testApi();
  await setUpExplainRecords(api.engine);
});
afterEach(async () => { await api.close(); });

const explain = (path: string) => api.app.inject({ method: 'GET', url: `/v1/records/${path}` });

describe('GET /v1/records/{type}/{id}/explain', () => {
  it('names the false condition, the loop guard and the disabled workflow; links resolve', async () => {
    const deal = await explain('deal/deal-small/explain');
    expect(deal.statusCode).toBe(200);
    const dealAnswer = read<RecordExplanation>(deal);
    expect(dealAnswer.changes[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const flag = dealAnswer.changes[0]?.workflows.find((w) => w.workflowId === 'flag-big-deals');
    expect(flag).toMatchObject({ verdict: 'condition_false', condition: { index: 0, name: 'big amount' } });
    const execution = await api.app.inject({ method: 'GET', url: flag?.executions[0]?.href ?? '' });
    expect(execution.statusCode).toBe(200);
    expect(execution.json()).toMatchObject({ status: 'skipped', reason: 'condition 0 is false: big amount' });

    const lead = read<RecordExplanation>(await explain('lead/lead-1/explain?limit=1'));
    expect(lead.changes).toHaveLength(1);
    expect(lead.moreChanges).toBe(true);
    expect(lead.changes[0]?.workflows).toEqual([expect.objectContaining({ workflowId: 'welcome-lead', verdict: 'loop_guard', guard: 'reentry' })]);

    const account = read<RecordExplanation>(await explain('account/account-1/explain'));
    expect(account.changes[0]?.workflows).toEqual([expect.objectContaining({ workflowId: 'greet-account', verdict: 'disabled' })]);
    expect(account.notes.join(' ')).toContain('enable/disable history is not kept');
  });

  it('bad input is a problem naming what is wrong', async () => {
    const tooMany = await explain('lead/lead-1/explain?limit=500');
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.headers['content-type']).toContain('application/problem+json');
    expect(tooMany.body).toContain('limit');
    const unknownParameter = await explain('lead/lead-1/explain?since=yesterday');
    expect(unknownParameter.statusCode).toBe(400);
    expect(unknownParameter.body).toContain('since');
    const missing = await explain('lead/nobody/explain');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'RECORD_NOT_FOUND' });
    expect((await explain('planet/x/explain')).json()).toMatchObject({ code: 'UNKNOWN_OBJECT_TYPE' });
  });
});
