// Prepared statements: every statement with bound values (all of queries.ts) is sent as a named
// statement, parsed and planned once per connection instead of on every call. The store runs a few
// dozen distinct statements, over and over, so this saves the server most of its parse/plan work.
import { createHash } from 'node:crypto';
import pg from 'pg';

const names = new Map<string, string>();

/** A stable name per statement text (the same in every process and on every connection). */
export function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `sy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** The pool's client class: query(text, values[, callback]) becomes a named, prepared query. */
export class PreparingClient extends pg.Client {}

// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(this)
const query = pg.Client.prototype.query;
PreparingClient.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown): unknown {
  if (typeof config === 'string' && Array.isArray(values)) {
    return (query as (c: unknown, cb?: unknown) => unknown).call(this, { name: statementName(config), text: config, values }, callback);
  }
  return (query as (c: unknown, v?: unknown, cb?: unknown) => unknown).call(this, config, values, callback);
} as typeof query;

/**
 * A client class for one pool that calls `sent` for every query its clients send: one round trip
 * each (a prepared query's Parse/Bind/Execute/Sync go out together), BEGIN and COMMIT included.
 */
export function countingClient(sent: () => void): typeof PreparingClient {
  class CountingClient extends PreparingClient {}
  // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .apply(this)
  const prepared = PreparingClient.prototype.query;
  CountingClient.prototype.query = function (this: pg.Client, ...args: unknown[]): unknown {
    sent();
    return (prepared as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof prepared;
  return CountingClient;
}
