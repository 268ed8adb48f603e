// runTransaction's retry rules, against a scripted pool (no database needed): which failures run
// fn again, and which surface. The real-database versions live in postgres-faults.test.ts.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../../src/errors.js';
import { classify, runTransaction } from '../../src/store/postgres/connection.js';

const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

const pgError = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** A pool whose clients run `script(sql)` for every statement; records statements and releases. */
function scriptedPool(script: (sql: string) => void) {
  const log: string[] = [];
  const pool = {
    connect: () => Promise.resolve({
      query: (sql: string) => {
        log.push(sql);
        script(sql);
        return Promise.resolve({ rows: [], rowCount: 0 });
      },
      on: () => undefined,
      off: () => undefined,
      release: (destroy?: boolean) => log.push(destroy ? 'DESTROY' : 'RELEASE'),
    }),
  };
  return { pool: pool as unknown as pg.Pool, log };
}

describe('runTransaction', () => {
  it('retries fn on serialization failures and deadlocks, then commits', async () => {
    let failures = 2;
    const { pool, log } = scriptedPool((sql) => {
      if (sql === 'UPDATE' && failures-- > 0) throw pgError(failures === 1 ? '40001' : '40P01');
    });
    let runs = 0;
    const result = await runTransaction(pool, policy, async (client) => { runs++; await client.query('UPDATE'); return 'done'; });
    expect(result).toBe('done');
    expect(runs).toBe(3);
    expect(log.filter((s) => s === 'ROLLBACK')).toHaveLength(2);
    expect(log.at(-2)).toBe('COMMIT');
  });

  it('surfaces a conflict that persists as STORE_UNAVAILABLE after the last attempt', async () => {
    const { pool } = scriptedPool((sql) => { if (sql === 'UPDATE') throw pgError('40001'); });
    const error = await runTransaction(pool, policy, (client) => client.query('UPDATE')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, extra: { pgCode: '40001', ambiguous: false } });
  });

  it('retries a connection lost before COMMIT, destroying the dead client', async () => {
    let lost = false;
    const { pool, log } = scriptedPool((sql) => {
      if (sql === 'INSERT' && !lost) { lost = true; throw pgError('57P01', 'terminating connection due to administrator command'); }
    });
    let runs = 0;
    await runTransaction(pool, policy, async (client) => { runs++; await client.query('INSERT'); });
    expect(runs).toBe(2);
    expect(log).toContain('DESTROY');
    expect(log.filter((s) => s === 'COMMIT')).toHaveLength(1);
  });

  it('never retries a connection lost during COMMIT: the outcome is unknown, so it says so', async () => {
    const { pool, log } = scriptedPool((sql) => { if (sql === 'COMMIT') throw pgError('ECONNRESET', 'read ECONNRESET'); });
    let runs = 0;
    const error = await runTransaction(pool, policy, async (client) => { runs++; await client.query('INSERT'); }).catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', extra: { ambiguous: true } });
    expect(log).toContain('DESTROY');
  });

  it('rolls back and rethrows the function\'s own errors untouched, without retrying', async () => {
    const { pool, log } = scriptedPool(() => undefined);
    const mine = new Error('validation failed');
    let runs = 0;
    const error = await runTransaction(pool, policy, () => { runs++; return Promise.reject(mine); }).catch((e: unknown) => e);
    expect(error).toBe(mine);
    expect(runs).toBe(1);
    expect(log).toEqual(['BEGIN', 'ROLLBACK', 'RELEASE']);
  });

  it('classifies driver failures', () => {
    expect(classify(pgError('40P01'))).toBe('conflict');
    expect(classify(pgError('08006'))).toBe('connection');
    expect(classify(pgError('ECONNREFUSED'))).toBe('connection');
    expect(classify(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(classify(pgError('23505'))).toBe('other');
    expect(classify(new SwitchyardError('STALE_LEASE', 'x'))).toBe('other');
  });
});
