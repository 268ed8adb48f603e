#!/usr/bin/env node
// The switchyard command line. Each command calls the same services as the HTTP API.
import { Command, Option } from 'commander';
import { fail } from './context.js';
import { listExecutions, showExecution } from './commands/executions.js';
import { serve } from './commands/serve.js';
import { graph } from './commands/graph.js';
import { migrate, worker } from './commands/worker.js';
import { discardDeadLetters, listDeadLetters, replayDeadLetters, showDeadLetter } from './commands/dlq.js';
import { deploy, registerWorkflowCommands } from './commands/workflows.js';
import { registerRecordCommands } from './commands/records.js';
import { checkTarget } from './targets.js';
import { validate } from './commands/validate.js';
import { explain } from './commands/explain.js';
import { registerStopCommands } from './commands/stops.js';
import { registerScheduleCommands } from './commands/schedules.js';

const program = new Command('switchyard')
  .description('Workflow automation engine for CRM data')
  .option('--store <location>', 'SQLite file or postgres:// URL (env SWITCHYARD_STORE; default ./switchyard.db)')
  .option('--config <file>', 'YAML/JSON config: object types, tokens, worker, connectors (env SWITCHYARD_CONFIG)')
  .option('--tenant <tenant>', 'tenant to act on', 'default')
  .option('--json', 'print JSON')
  .addOption(new Option('--url <url>', 'talk to the server at this URL over its API instead of opening a store').env('SWITCHYARD_URL'))
  .addOption(new Option('--token <token>', 'API token for --url (prefer the env variable: a flag shows in ps)').env('SWITCHYARD_TOKEN'))
  .hook('preAction', (_program, action) => checkTarget(program, action));

program.command('serve')
  .description('serve the HTTP API and run a worker')
  .option('--port <port>', 'port', process.env.PORT ?? '8080')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--deploy <paths...>', 'deploy these workflow files or folders first')
  .option('--no-worker', 'do not run executions in this process')
  .action((opts: Record<string, unknown>) => serve({ ...program.opts<Record<string, unknown>>(), ...opts } as never));

program.command('worker')
  .description('run executions only (any number of these may share a PostgreSQL store)')
  .action(() => worker(program.opts()));

program.command('migrate')
  .description('apply pending store migrations (serve and worker also do this at start)')
  .action(() => migrate(program.opts()));

program.command('validate')
  .description('check workflow files; every problem names the file and the path inside it')
  .argument('<paths...>', 'files or folders')
  .action((paths: string[]) => validate(paths, program.opts()));

program.command('deploy')
  .description('deploy workflow files; an unchanged definition makes no new version')
  .argument('<paths...>', 'files or folders')
  .action((paths: string[]) => deploy(paths, program.opts()));

program.command('graph')
  .description('show how workflows trigger each other: cycles, deep chains, broad triggers, firing order')
  .argument('<paths...>', 'workflow files or folders')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot', 'json']).default('text'))
  .option('--check', 'exit 1 when the set has a cycle deploy would refuse')
  .action((paths: string[], opts: Record<string, unknown>) => graph(paths, { ...program.opts<Record<string, unknown>>(), ...opts } as never));

const executions = program.command('executions').description('inspect executions');
executions.command('list', { isDefault: true })
  .addOption(new Option('--status <status>').choices(['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'paused']))
  .option('--workflow <id>')
  .option('--record <type/id>')
  .option('--limit <n>', 'how many', '20')
  .action((opts: Record<string, unknown>) => listExecutions({ ...program.opts<Record<string, unknown>>(), ...opts } as never));
executions.command('show').argument('<id>').action((id: string) => showExecution(id, program.opts()));

program.command('explain')
  .description('why each workflow did or did not run, per change of a record (newest first)')
  .argument('<type>', 'object type').argument('<id>', 'record id')
  .option('--limit <n>', 'changes to explain (at most 100)', '10')
  .action((type: string, id: string, opts: Record<string, unknown>) => explain(type, id, { ...program.opts<Record<string, unknown>>(), ...opts }));

const dlq = program.command('dlq').description('the dead-letter list: executions that failed for good');
dlq.command('list', { isDefault: true }).option('--workflow <id>').option('--limit <n>', 'how many', '50')
  .action((opts: Record<string, unknown>) => listDeadLetters({ ...program.opts<Record<string, unknown>>(), ...opts } as never));
dlq.command('show').argument('<id>').action((id: string) => showDeadLetter(id, program.opts()));
for (const [name, action, verb] of [['replay', replayDeadLetters, 'requeue'], ['discard', discardDeadLetters, 'cancel']] as const) {
  dlq.command(name).description(`${verb} dead letters by id, --workflow or --all`).argument('[ids...]')
    .option('--workflow <id>').option('--all')
    .action((ids: string[], opts: Record<string, unknown>) => action(ids, { ...program.opts<Record<string, unknown>>(), ...opts }));
}

registerWorkflowCommands(program, () => program.opts());
registerRecordCommands(program, () => program.opts());
registerStopCommands(program, () => program.opts());
registerScheduleCommands(program);

program.parseAsync().catch(fail);
