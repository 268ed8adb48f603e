// A real crash, repeated: a child worker process dies (process.exit) whenever it starts one
// poison execution, beside 5 innocent ones, and is restarted on the same SQLite file. The
// culprit must end dead-lettered with an alert after 3 lease expiries, every innocent must
// succeed, and none may be charged more than the one crash it was caught in.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { closeEngine, sqliteEngine, USER } from '../helpers/engine.js';

const CHILD = 'test/scale/children/poison-worker.ts';

function runChild(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SWITCHYARD_POISON_RECORD: 'culprit' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

it('a worker process that crashes on one execution is restarted until the culprit is quarantined; the 5 innocents succeed', async () => {
  const seed = await sqliteEngine();
  const path = seed.path;
  await seed.workflows.deploy('default', {
    id: 'bump', name: 'bump', object: 'deal', trigger: { on: 'created' },
    actions: [{ id: 'p', type: 'record.update', set: { priority: '"high"' } }],
  });
  await seed.records.create('default', 'deal', { name: 'Poison' }, USER, 'culprit');
  for (let i = 0; i < 5; i++) await seed.records.create('default', 'deal', { name: `Innocent ${i}` }, USER, `innocent-${i}`);
  await closeEngine(seed);

  const codes: (number | null)[] = [];
  for (let run = 0; run < 4; run++) {
    const { code, stderr } = await runChild(path);
    codes.push(code);
    if (code !== 70 && code !== 0) throw new Error(`child exited ${code}: ${stderr}`);
    if (code === 0) break;
  }
  // Crash 1 takes all six (one batch); crashes 2 and 3 take the culprit alone; run 4 quarantines it.
  expect(codes).toEqual([70, 70, 70, 0]);

  const check = await sqliteEngine({}, path);
  try {
    const executions = await check.store.listExecutions({ tenant: 'default', limit: 100 });
    const bump = executions.filter((e) => e.workflowId === 'bump');
    const culprit = bump.find((e) => e.recordId === 'culprit');
    expect(culprit).toMatchObject({ status: 'failed', leaseExpiries: 3, attempt: 3 });
    expect(culprit?.reason).toMatch(/^quarantined: its lease ran out 3 times/);
    const innocents = bump.filter((e) => e.recordId !== 'culprit');
    expect(innocents.map((e) => [e.recordId, e.status]).sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => [`innocent-${i}`, 'succeeded']));
    expect(Math.max(...innocents.map((e) => e.attempt))).toBeLessThanOrEqual(2); // at most one crash each
    const alerts = await check.store.listAlerts('default', 10);
    expect(alerts.filter((a) => a.kind === 'dead_letter').map((a) => a.details)).toEqual([
      expect.objectContaining({ executionId: culprit!.id, code: 'EXECUTION_QUARANTINED' }),
    ]);
    expect((await check.records.get('default', 'task', `ops:${culprit!.id}:3`)).data).toMatchObject({ owner: 'ops' });
  } finally {
    await closeEngine(check);
  }
});
