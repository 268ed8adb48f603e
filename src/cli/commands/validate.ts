// switchyard validate: check workflow files without deploying them. With a config (--config or
// SWITCHYARD_CONFIG) connectors are checked against the tenant's; without one they cannot be, and
// the output says so rather than passing them silently.
import { readFileSync } from 'node:fs';
import { loadConfig, DEFAULT_TENANT } from '../../config.js';
import { createEngine } from '../../engine.js';
import { isSwitchyardError, type FieldProblem } from '../../errors.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { definitionPaths } from '../definition-files.js';
import { fail, print, type GlobalOptions } from '../context.js';

export const CONNECTORS_NOT_CHECKED = 'connectors not checked: no --config given';

/** Validates every file and reports every problem; exits 1 if any file is invalid. */
export function validate(paths: string[], options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): void {
  const configFile = options.config ?? env.SWITCHYARD_CONFIG;
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const config = loadConfig(configFile, env);
  // Validation needs object types (and connectors) but no data: an in-memory store is enough.
  const engine = createEngine({ store: new SqliteStore({ path: ':memory:' }), config, runWorker: false });
  // Without a config every connector reference would be "not configured": check none instead.
  const checkTenant = configFile ? tenant : undefined;
  const problems: FieldProblem[] = [];
  const files = paths.flatMap(definitionPaths);
  for (const file of files) {
    try {
      engine.workflows.parse(readFileSync(file, 'utf8'), file, checkTenant);
      if (!options.json) process.stdout.write(`ok      ${file}\n`);
    } catch (error) {
      if (!isSwitchyardError(error)) fail(error);
      problems.push(...error.problems.map((p) => ({ ...p, file: p.file ?? file })));
      if (!options.json) for (const p of error.problems) process.stdout.write(`invalid ${file}: ${p.path || '/'}: ${p.message}\n`);
    }
  }
  const connectors = checkTenant !== undefined ? `checked for tenant ${checkTenant}` : CONNECTORS_NOT_CHECKED;
  if (options.json) print(options, { files: files.length, connectors, problems }, () => '');
  else process.stdout.write(checkTenant !== undefined ? `connectors checked against ${configFile} for tenant ${checkTenant}\n` : `${CONNECTORS_NOT_CHECKED}\n`);
  void engine.store.close();
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} problem(s) in ${new Set(problems.map((p) => p.file)).size} file(s)\n`);
    process.exit(1);
  }
}
