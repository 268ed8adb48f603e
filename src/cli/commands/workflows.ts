// switchyard deploy: deploy workflow files (validate is in validate.ts).
import { readDefinitions } from '../definition-files.js';
import { withEngine, print, type GlobalOptions } from '../context.js';

export async function deploy(paths: string[], options: GlobalOptions): Promise<void> {
  await withEngine(options, async (engine, tenant) => {
    // The whole set is checked together (shape, CEL, cycles) before any of it is deployed.
    const files = readDefinitions(paths);
    const deployed = await engine.workflows.deployMany(tenant, files);
    const results = deployed.map((r, i) => ({ file: files[i]?.file ?? '', ...r }));
    print(options, results, () => results.map((r) => `${r.created ? 'deployed' : 'unchanged'} ${r.workflowId} v${r.version} (${r.file})`).join('\n'));
  });
}
