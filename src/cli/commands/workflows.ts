// switchyard validate / deploy: check or deploy workflow files.
import { isSwitchyardError, type FieldProblem } from '../../errors.js';
import { readDefinitions, definitionPaths } from '../definition-files.js';
import { withEngine, print, fail, type GlobalOptions } from '../context.js';
import { createEngine } from '../../engine.js';
import { loadConfig } from '../../config.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { readFileSync } from 'node:fs';

/** Validates every file and reports every problem; exits 1 if any file is invalid. */
export function validate(paths: string[], options: GlobalOptions): void {
  // Validation needs object types but no data: an in-memory store is enough.
  const engine = createEngine({ store: new SqliteStore({ path: ':memory:' }), config: loadConfig(options.config), runWorker: false });
  const problems: FieldProblem[] = [];
  const files = paths.flatMap(definitionPaths);
  for (const file of files) {
    try {
      engine.workflows.parse(readFileSync(file, 'utf8'), file);
      if (!options.json) process.stdout.write(`ok      ${file}\n`);
    } catch (error) {
      if (!isSwitchyardError(error)) fail(error);
      problems.push(...error.problems.map((p) => ({ ...p, file: p.file ?? file })));
      if (!options.json) for (const p of error.problems) process.stdout.write(`invalid ${file}: ${p.path || '/'}: ${p.message}\n`);
    }
  }
  if (options.json) print(options, { files: files.length, problems }, () => '');
  void engine.store.close();
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} problem(s) in ${new Set(problems.map((p) => p.file)).size} file(s)\n`);
    process.exit(1);
  }
}

export async function deploy(paths: string[], options: GlobalOptions): Promise<void> {
  await withEngine(options, async (engine, tenant) => {
    // The whole set is checked together (shape, CEL, cycles) before any of it is deployed.
    const files = readDefinitions(paths);
    const deployed = await engine.workflows.deployMany(tenant, files);
    const results = deployed.map((r, i) => ({ file: files[i]?.file ?? '', ...r }));
    print(options, results, () => results.map((r) => `${r.created ? 'deployed' : 'unchanged'} ${r.workflowId} v${r.version} (${r.file})`).join('\n'));
  });
}
