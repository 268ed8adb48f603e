// The crash report end to end on the embedded store: a ~400-character condition that doubles a
// string through nested cel.bind used to grow until "Reached heap limit", at every restart. Now
// the evaluation budget stops it: the execution is dead-lettered with EXPRESSION_BUDGET_EXCEEDED
// and an alert, and the worker goes on. A deterministic failure in a `set` value is not retried.
import { afterEach, describe, expect, it } from 'vitest';
import { closeEngine, sqliteEngine, USER, type TestEngine } from '../helpers/engine.js';

/** cel.bind(a, "xxxxxxxxxx", cel.bind(b, a+a+a+a+a+a+a+a, ...)): 10 * 8^7 characters if unchecked. */
const BLOWUP = (() => {
  const names = 'abcdefgh'.split('');
  let expr = `size(${names.at(-1)}) > 0 && record.name != ""`;
  for (let i = names.length - 1; i >= 0; i--) {
    const value = i === 0 ? '"xxxxxxxxxx"' : Array(8).fill(names[i - 1]).join('+');
    expr = `cel.bind(${names[i]}, ${value}, ${expr})`;
  }
  return expr;
})();

const workflow = (extra: object) => ({ id: 'hostile', name: 'hostile', object: 'lead', trigger: { on: 'created' }, ...extra });

describe('hostile expressions end to end', () => {
  let engine: TestEngine | undefined;
  afterEach(async () => { await closeEngine(engine); engine = undefined; });

  it('a condition that blows up is dead-lettered with EXPRESSION_BUDGET_EXCEEDED and an alert; the process stays up', async () => {
    expect(BLOWUP.length).toBeLessThan(450);
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', workflow({
      conditions: [BLOWUP],
      actions: [{ id: 'flag', type: 'record.update', set: { status: '"flagged"' } }],
    }));
    const heapBefore = process.memoryUsage().heapUsed;
    await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
    await engine.worker.drain();

    const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'hostile' });
    expect(exec?.status).toBe('failed');
    expect(exec?.reason).toMatch(/EXPRESSION_BUDGET_EXCEEDED/);
    const alert = (await engine.store.listAlerts('default', 10)).find((a) => a.kind === 'dead_letter');
    expect(alert?.details).toMatchObject({ code: 'EXPRESSION_BUDGET_EXCEEDED', executionId: exec!.id });
    expect((await engine.records.get('default', 'lead', 'l1')).data.status).toBeUndefined(); // the action never ran

    // A restart does not resume it (it is failed, not queued), and the worker keeps serving others.
    await engine.worker.drain();
    expect((await engine.store.listExecutions({ tenant: 'default', workflowId: 'hostile' })).map((e) => e.status)).toEqual(['failed']);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 2 ** 20);
  });

  it('an ordinary condition error still skips the execution with its reason', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', workflow({
      conditions: ['record.score > 1.0'],
      actions: [{ id: 'flag', type: 'record.update', set: { status: '"flagged"' } }],
    }));
    await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
    await engine.worker.drain();
    const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'hostile' });
    expect(exec?.status).toBe('skipped');
    expect(exec?.reason).toMatch(/condition 0 .* could not be evaluated/);
  });

  it('a set value that divides by zero fails after one attempt with EXPRESSION_FAILED', async () => {
    engine = await sqliteEngine();
    await engine.workflows.deploy('default', workflow({
      // The default retry policy allows 5 attempts: one attempt proves the failure was not retried.
      actions: [{ id: 'score', type: 'record.update', set: { score: '1 / (size(record.name) - 3)' } }],
    }));
    await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
    await engine.worker.drain();
    const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'hostile' });
    expect(exec?.status).toBe('failed');
    const attempts = await engine.store.listAttempts(exec!.id);
    expect(attempts.map((a) => [a.stepId, a.code, a.retryable])).toEqual([['score', 'EXPRESSION_FAILED', false]]);
    expect(attempts[0]?.error).toMatch(/division by zero/);
    expect((await engine.store.listAlerts('default', 10)).some((a) => a.kind === 'dead_letter')).toBe(true);
  });

  it('a set value that builds a result over the size cap fails at once with EXPRESSION_BUDGET_EXCEEDED', async () => {
    engine = await sqliteEngine();
    // 2 * 10 * 8^5 = 655,360 characters: inside the string cap, but as UTF-8 ("é" is 2 bytes) over the 1 MiB result cap.
    let value = 's6 + s6';
    for (let i = 6; i >= 1; i--) value = `cel.bind(s${i}, ${i === 1 ? '"éééééééééé"' : Array(8).fill(`s${i - 1}`).join(' + ')}, ${value})`;
    await engine.workflows.deploy('default', workflow({ actions: [{ id: 'big', type: 'record.update', set: { company: value } }] }));
    await engine.records.create('default', 'lead', { name: 'Ada' }, USER, 'l1');
    await engine.worker.drain();
    const [exec] = await engine.store.listExecutions({ tenant: 'default', workflowId: 'hostile' });
    expect(exec?.status).toBe('failed');
    const attempts = await engine.store.listAttempts(exec!.id);
    expect(attempts.map((a) => [a.code, a.retryable])).toEqual([['EXPRESSION_BUDGET_EXCEEDED', false]]);
  });

  it('deploy rejects an expression over the compile budget as WORKFLOW_INVALID naming its path', async () => {
    engine = await sqliteEngine();
    const deep = `${'!'.repeat(200)}true`;
    const error: unknown = await engine.workflows.deploy('default', workflow({
      actions: [{ id: 'flag', type: 'record.update', set: { welcome_sent: deep } }],
    })).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'WORKFLOW_INVALID' });
    const problems = (error as { problems: { path: string; message: string }[] }).problems;
    expect(problems.map((p) => p.path)).toEqual(['/actions/0/set/welcome_sent']);
    expect(problems[0]?.message).toMatch(/nested \d+ levels deep/);
  });
});
