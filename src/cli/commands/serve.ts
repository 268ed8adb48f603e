// switchyard serve: the HTTP API and (unless --no-worker) a worker, on one store.
import { buildServer } from '../../server/app.js';
import { readDefinitions } from '../definition-files.js';
import { withEngine, type GlobalOptions } from '../context.js';

export interface ServeOptions extends GlobalOptions {
  port: string;
  host: string;
  deploy?: string[];
  worker: boolean;
}

export async function serve(options: ServeOptions): Promise<void> {
  await withEngine(options, async (engine, tenant, opened) => {
    if (opened.created) process.stdout.write(`created a new store at ${opened.created}\n`);
    const files = readDefinitions(options.deploy ?? []);
    const deployed = await engine.workflows.deployMany(tenant, files);
    deployed.forEach((r, i) => process.stdout.write(`deployed ${r.workflowId} v${r.version}${r.created ? '' : ' (unchanged)'} from ${files[i]?.file ?? ''}\n`));
    const app = await buildServer(engine, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });
    const address = await app.listen({ port: Number(options.port), host: options.host });
    process.stdout.write(`switchyard listening on ${address} (store: ${engine.store.backend}${options.worker ? ', worker on' : ', worker off'})\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await app.close();
  }, { runWorker: options.worker, createStore: true });
}
