// Connections, error classes and retries for the PostgreSQL store. The one place that decides
// which driver failures are worth retrying and how they surface to the engine.
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchyardError } from '../../errors.js';

/** The only identifier ever put into SQL text; validated, so it never needs quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

const INT8_OID = 20;

/** int8 (bigint, count) -> number: epoch ms and sequence numbers stay far below 2^53. Per pool, not global. */
const parseInt8 = (value: string): number => Number(value);

export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : (pg.types.getTypeParser(oid, format) as unknown)
  ) as pg.CustomTypesConfig['getTypeParser'],
};

export type FailureKind = 'conflict' | 'connection' | 'other';

/** A conflict PostgreSQL reports as another error (a unique key taken by a concurrent transaction): run again. */
export class ConflictError extends Error {
  readonly code = '40001';
  constructor(cause: unknown) {
    super(`conflicting concurrent write: ${(cause as Error).message}`, { cause });
    this.name = 'ConflictError';
  }
}

/** SQLSTATEs of a conflict between transactions: the work can simply run again. */
const CONFLICT_CODES = new Set(['40001', '40P01']);
/** SQLSTATEs (besides class 08) that mean the server went away or refuses connections for now. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors from Node. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres reports some connection failures without a code; these messages are its API. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classify(error: unknown): FailureKind {
  if (error instanceof SwitchyardError) return error.code === 'STORE_UNAVAILABLE' ? 'connection' : 'other';
  const code = codeOf(error);
  // A prepared statement planned before a migration changed its table (another process upgraded
  // the schema): like a lost connection, drop this connection, whose plans are stale, and run again.
  if (code === '0A000' && error instanceof Error && error.message.startsWith('cached plan must not change result type')) return 'connection';
  if (code !== undefined) {
    if (CONFLICT_CODES.has(code)) return 'conflict';
    if (code.startsWith('08') || CONNECTION_CODES.has(code) || SOCKET_CODES.has(code)) return 'connection';
  }
  const message = error instanceof Error ? error.message : '';
  return DRIVER_MESSAGES.some((m) => message.startsWith(m)) ? 'connection' : 'other';
}

/** What the engine sees: connection-class failures and exhausted conflicts are STORE_UNAVAILABLE (retryable, 503). */
export function surface(error: unknown, ambiguous = false): unknown {
  const kind = classify(error);
  if (kind === 'other' || error instanceof SwitchyardError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const what = kind === 'conflict' ? 'transaction conflict persisted after retries' : 'connection failed';
  const outcome = ambiguous ? '; the connection was lost during COMMIT, so the transaction may or may not have committed' : '';
  return new SwitchyardError('STORE_UNAVAILABLE', `PostgreSQL ${what}: ${message}${outcome}`, {
    cause: error,
    extra: { pgCode: codeOf(error) ?? null, ambiguous },
  });
}

export interface RetryPolicy {
  /** Runs of the work in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 20, maxDelayMs: 1000 };

/** Exponential backoff with full jitter. */
export function backoff(policy: RetryPolicy, failures: number): Promise<void> {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  return sleep(Math.random() * ceiling);
}

/** Runs one idempotent statement (a read, a heartbeat), retrying connection failures. */
export async function retryIdempotent<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await work();
    } catch (error) {
      if (classify(error) === 'other' || failures >= policy.attempts) throw surface(error);
      await backoff(policy, failures);
    }
  }
}

const ignore = (): void => undefined;

/**
 * BEGIN; fn(client); COMMIT on one pooled client. fn runs again (after a jittered backoff) when
 * the transaction failed with a conflict (40001, 40P01) or lost its connection before COMMIT:
 * nothing was committed. A connection lost during COMMIT is ambiguous and is surfaced, never retried.
 */
export async function runTransaction<T>(
  pool: pg.Pool, policy: RetryPolicy, fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let failures = 1; ; failures++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      if (classify(error) !== 'connection' || failures >= policy.attempts) throw surface(error);
      await backoff(policy, failures);
      continue;
    }
    // A checked-out client that loses its socket emits 'error'; without a listener that would
    // crash the process. The failed query reports the same error to us.
    client.on('error', ignore);
    let committing = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      committing = true;
      await client.query('COMMIT');
      client.off('error', ignore);
      client.release();
      return result;
    } catch (error) {
      const kind = classify(error);
      let healthy = kind !== 'connection';
      if (healthy && !committing) {
        try {
          await client.query('ROLLBACK');
        } catch {
          healthy = false;
        }
      }
      client.off('error', ignore);
      client.release(healthy ? undefined : true); // true destroys the client instead of pooling it
      if (committing && kind === 'connection') throw surface(error, true);
      if (kind === 'other' || failures >= policy.attempts) throw surface(error);
      await backoff(policy, failures);
    }
  }
}
