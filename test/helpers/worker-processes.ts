// Worker processes for the multi-process tests: `switchyard worker` started through the CLI (as a
// user starts one), each SIGKILLed after its test so that none outlives it.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

export interface WorkerProcesses {
  /** Starts `switchyard worker --store <storeUrl> --config <configFile>`; stderr is drained, not shown. */
  start(storeUrl: string, configFile: string): ChildProcess;
}

/** Call at a test file's top level: its afterEach kills every worker the test started and left running. */
export function workerProcesses(): WorkerProcesses {
  const children = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  });
  return {
    start(storeUrl, configFile) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--store', storeUrl, '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.resume();
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
  };
}
