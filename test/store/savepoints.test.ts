// Savepoints (StoreTx.savepoint on both adapters) over a fake connection that records statements:
// the cases a real database makes hard to reach (overlap, a rollback that fails). The contract
// suite (test/contract/batch.contract.ts) checks the real thing on both stores.
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../../src/errors.js';
import { Savepoints } from '../../src/store/savepoints.js';

function recorder(fail?: (sql: string) => boolean): { log: string[]; savepoints: Savepoints } {
  const log: string[] = [];
  const savepoints = new Savepoints((statements) => {
    for (const sql of statements) {
      if (fail?.(sql)) throw new Error(`connection lost during ${sql}`);
      log.push(sql);
    }
  });
  return { log, savepoints };
}

/** A function that runs until its returned `finish` is called. */
function gate<T>(value: T): { fn: () => Promise<T>; finish: () => void } {
  let finish = (): void => undefined;
  const done = new Promise<T>((resolve) => {
    finish = () => resolve(value);
  });
  return { fn: () => done, finish };
}

describe('Savepoints', () => {
  it('nests with unique names: released in reverse order, a failure rolled back to its own savepoint', async () => {
    const { log, savepoints } = recorder();
    const value = await savepoints.run(async () => {
      await expect(savepoints.run(async () => {
        throw new Error('inner');
      })).rejects.toThrow('inner');
      return savepoints.run(async () => 'ok');
    });
    expect(value).toBe('ok');
    expect(log).toEqual([
      'SAVEPOINT sy_savepoint_1',
      'SAVEPOINT sy_savepoint_2', 'ROLLBACK TO SAVEPOINT sy_savepoint_2', 'RELEASE SAVEPOINT sy_savepoint_2',
      'SAVEPOINT sy_savepoint_3', 'RELEASE SAVEPOINT sy_savepoint_3',
      'RELEASE SAVEPOINT sy_savepoint_1',
    ]);
  });

  it('fails both savepoints loudly when they overlap (one transaction used concurrently)', async () => {
    const { log, savepoints } = recorder();
    const first = gate('a');
    const second = gate('b');
    const a = savepoints.run(first.fn);
    const b = savepoints.run(second.fn);
    await turn();
    first.finish(); // the outer one ends while the inner one still runs
    await expect(a).rejects.toMatchObject({ code: 'INTERNAL' });
    second.finish();
    await expect(b).rejects.toMatchObject({ code: 'INTERNAL' });
    // The outer one's rollback undid the inner one's work as well; nothing was released as if done.
    expect(log).toEqual([
      'SAVEPOINT sy_savepoint_1', 'SAVEPOINT sy_savepoint_2',
      'ROLLBACK TO SAVEPOINT sy_savepoint_1', 'RELEASE SAVEPOINT sy_savepoint_1',
    ]);
  });

  it('rethrows the work\'s error when the rollback fails, then refuses further savepoints and the commit', async () => {
    const { savepoints } = recorder((sql) => sql.startsWith('ROLLBACK TO'));
    const boom = new Error('boom');
    await expect(savepoints.run(async () => {
      throw boom;
    })).rejects.toBe(boom);
    await expect(savepoints.run(async () => 'never')).rejects.toBeInstanceOf(SwitchyardError);
    expect(() => savepoints.assertUsable()).toThrow(SwitchyardError);
  });
});
