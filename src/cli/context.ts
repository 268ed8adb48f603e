// Shared CLI plumbing: open the engine (or a server's API) for a command, print, and turn errors
// into exit codes.
import { existsSync } from 'node:fs';
import { loadConfig, storeLocation, DEFAULT_TENANT } from '../config.js';
import { createEngine, type Engine } from '../engine.js';
import { isSwitchyardError } from '../errors.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import { CliError } from './cli-error.js';
import { parseServerUrl, RemoteError } from './client/http.js';
import { localClient } from './client/local.js';
import { remoteClient } from './client/remote.js';
import type { SwitchyardClient } from './client/types.js';

export interface GlobalOptions {
  store?: string;
  config?: string;
  tenant?: string;
  json?: boolean;
  /** A running server's base URL (env SWITCHYARD_URL): client commands talk to its API. */
  url?: string;
  /** The bearer token for --url (env SWITCHYARD_TOKEN). Never printed. */
  token?: string;
}

export interface EngineOptions {
  runWorker?: boolean;
  /** serve and migrate may start a new SQLite store; every other command needs an existing one. */
  createStore?: boolean;
}

/** Set when this command created the SQLite file it opened, so that the command can say so. */
export interface OpenedStore {
  created?: string;
}

/** A SQLite path that does not exist yet (a postgres:// URL or ":memory:" is never "missing"). */
function missingSqliteFile(location: string): boolean {
  return !isPostgresUrl(location) && location !== ':memory:' && !existsSync(location);
}

export async function withEngine<T>(options: GlobalOptions, fn: (engine: Engine, tenant: string, opened: OpenedStore) => Promise<T>, engineOptions: EngineOptions | boolean = {}): Promise<T> {
  const { runWorker = false, createStore = false } = typeof engineOptions === 'boolean' ? { runWorker: engineOptions } : engineOptions;
  // A command not (yet) written against the client seam must not quietly read a local store
  // when the user asked for a server.
  if (options.url !== undefined) throw new CliError('this command works on a store opened here (--store), not on a server: unset --url / SWITCHYARD_URL');
  const location = storeLocation(options.store);
  const missing = missingSqliteFile(location);
  // A mistyped --store must not quietly become a new, empty database that every command then reads.
  if (missing && !createStore) throw new CliError(`no store at ${location}: check --store (or SWITCHYARD_STORE); \`switchyard migrate\` or \`switchyard serve\` creates a new one`);
  const config = loadConfig(options.config);
  const engine = createEngine({ store: await openStore(location), config, runWorker });
  await engine.start();
  try {
    return await fn(engine, options.tenant ?? DEFAULT_TENANT, missing ? { created: location } : {});
  } finally {
    await engine.stop();
    await engine.store.close();
  }
}

/** Runs a client command against --url's server when given, else against the local store. */
export async function withClient<T>(options: GlobalOptions, fn: (client: SwitchyardClient) => Promise<T>): Promise<T> {
  if (options.url !== undefined) return fn(remoteClient({ url: parseServerUrl(options.url), token: options.token }));
  return withEngine(options, (engine, tenant) => fn(localClient(engine, tenant)));
}

export function print(options: GlobalOptions, value: unknown, text: () => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(value, null, 2) : text()}\n`);
}

/** Prints an error with every located problem and exits non-zero. */
export function fail(error: unknown): never {
  if (isSwitchyardError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    for (const p of error.problems.slice(1)) process.stderr.write(`  ${p.file ? `${p.file}: ` : ''}${p.path || '/'}: ${p.message}\n`);
    process.exit(error.status >= 500 ? 2 : 1);
  }
  if (error instanceof RemoteError) {
    // The server's problem+json: its code and detail, then its title and status, then every problem.
    process.stderr.write(`error ${error.code}: ${error.detail}\n  (${error.title}; HTTP ${error.status})\n`);
    for (const p of error.problems.slice(1)) process.stderr.write(`  ${p.file ? `${p.file}: ` : ''}${p.path || '/'}: ${p.message}\n`);
    process.exit(error.status >= 500 ? 2 : 1);
  }
  if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
