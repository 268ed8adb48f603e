// Shared CLI plumbing: open the engine for a command, print, and turn errors into exit codes.
import { loadConfig, storeLocation, DEFAULT_TENANT } from '../config.js';
import { createEngine, type Engine } from '../engine.js';
import { isSwitchyardError } from '../errors.js';
import { openStore } from '../store/open.js';

export interface GlobalOptions {
  store?: string;
  config?: string;
  tenant?: string;
  json?: boolean;
}

export async function withEngine<T>(options: GlobalOptions, fn: (engine: Engine, tenant: string) => Promise<T>, runWorker = false): Promise<T> {
  const config = loadConfig(options.config);
  const engine = createEngine({ store: await openStore(storeLocation(options.store)), config, runWorker });
  await engine.start();
  try {
    return await fn(engine, options.tenant ?? DEFAULT_TENANT);
  } finally {
    await engine.stop();
    await engine.store.close();
  }
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
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
