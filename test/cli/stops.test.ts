// Stop, pause, cancel through the CLI's process: pause, emergency stop, cancel by filter and
// disable --cancel-pending on a store file, each printing what it did; a bad filter exits 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runCli, type CliResult } from '../helpers/cli.js';
import { closeEngine, sqliteEngine, USER, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine | undefined;
let store = '';
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--store', store]);

beforeAll(async () => {
  engine = await sqliteEngine();
  store = engine.path;
  for (const id of ['tag', 'score']) {
    await engine.workflows.deploy('default', { id, name: id, object: 'lead', trigger: { on: 'created' }, actions: [{ id: 's', type: 'record.update', set: { territory: '"US"' } }] });
  }
  for (const id of ['l1', 'l2', 'l3']) await engine.records.create('default', 'lead', { name: id }, USER, id);
  await closeEngine(engine);
});
afterAll(() => closeEngine(engine));

// Each run starts a process on the TypeScript sources: seconds each on a loaded machine.
describe('switchyard stop, pause, cancel', { timeout: 180_000 }, () => {
  it('workflows pause holds, executions list --status paused shows them, workflows resume queues them again', async () => {
    const paused = await cli('workflows', 'pause', 'tag', '--json');
    expect(paused.code, paused.stderr).toBe(0);
    const answer = JSON.parse(paused.stdout) as { held: number; hold: { workflowId: string; actor: string } };
    expect(answer).toMatchObject({ held: 3, hold: { workflowId: 'tag' } });
    expect(answer.hold.actor).toMatch(/^cli:/);
    const list = await cli('executions', 'list', '--status', 'paused');
    expect(list.stdout.trim().split('\n')).toHaveLength(3);
    const resumed = await cli('workflows', 'resume', 'tag');
    expect(resumed.stdout.trim()).toBe('resumed tag: 3 execution(s) queued again');
  });

  it('stop and resume the whole tenant', async () => {
    const stop = await cli('stop', '--reason', 'incident 42');
    expect(stop.stdout.trim()).toBe('stopped: 6 execution(s) held (incident 42)');
    expect((await cli('resume')).stdout.trim()).toBe('resumed: 6 execution(s) queued again');
    expect((await cli('resume')).stdout.trim()).toBe('no emergency stop was in force');
  });

  it('executions cancel by filter, and workflows disable --cancel-pending', async () => {
    const one = await cli('executions', 'cancel', '--workflow', 'score', '--record', 'lead/l1', '--reason', 'duplicate');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim()).toBe('cancelled 1 execution(s)');
    const disabled = await cli('workflows', 'disable', 'score', '--cancel-pending');
    expect(disabled.stdout.trim()).toBe('disabled score; cancelled 2 execution(s)');
    const cancelled = await cli('executions', 'list', '--status', 'cancelled', '--json');
    const rows = JSON.parse(cancelled.stdout) as { workflowId: string; stoppedBy: string; reason: string; recordId: string }[];
    expect(rows.map((r) => r.workflowId)).toEqual(['score', 'score', 'score']);
    expect(rows.find((r) => r.recordId === 'l1')).toMatchObject({ reason: 'duplicate' });
    expect(rows.every((r) => r.stoppedBy.startsWith('cli:'))).toBe(true);
  });

  it('a cancel without a filter, or with a status that has ended, exits 1 and cancels nothing', async () => {
    const none = await cli('executions', 'cancel');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('error CANCEL_FILTER_REQUIRED: name what to cancel');
    const ended = await cli('executions', 'cancel', '--status', 'succeeded');
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('"succeeded" cannot be cancelled');
    expect((await cli('executions', 'list', '--status', 'queued')).stdout.trim().split('\n')).toHaveLength(3);
  });
});
