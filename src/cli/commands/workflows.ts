// switchyard deploy, and switchyard workflows list|show|enable|disable|pause|resume (validate is
// in validate.ts).
import type { Command } from 'commander';
import type { WorkflowView } from '../client/types.js';
import { readDefinitions } from '../definition-files.js';
import { withClient, print, type GlobalOptions } from '../context.js';
import { time } from '../format.js';
import { cancelPending } from './stops.js';

export async function deploy(paths: string[], options: GlobalOptions): Promise<void> {
  // Files are read and parsed here (YAML errors name the file); the whole set is then checked
  // together (shape, CEL, connectors, cycles) before any of it is deployed, locally or remotely.
  const files = readDefinitions(paths);
  await withClient(options, async (client) => {
    const deployed = await client.workflows.deploy(files);
    const results = deployed.map((r, i) => ({ file: files[i]?.file ?? '', ...r }));
    print(options, results, () => results.map((r) => `${r.created ? 'deployed' : 'unchanged'} ${r.workflowId} v${r.version} (${r.file})`).join('\n'));
  });
}

const state = (w: WorkflowView & { paused?: boolean }): string => (w.paused ? 'paused' : w.enabled ? 'enabled' : 'disabled');

function rowText(w: WorkflowView, width = w.workflowId.length): string {
  return `${w.workflowId.padEnd(width)}  ${state(w).padEnd(8)}  active v${w.activeVersion} of ${w.latestVersion}  updated ${time(w.updatedAt)}`;
}

export function registerWorkflowCommands(program: Command, globals: () => GlobalOptions): void {
  const workflows = program.command('workflows').description('deployed workflows: list, show, enable, disable, pause, resume');
  const opts = (o: object): GlobalOptions => ({ ...globals(), ...o });

  workflows.command('list', { isDefault: true }).description('every deployed workflow and its state')
    .action((o: object) => withClient(opts(o), async (client) => {
      const items = await client.workflows.list();
      print(opts(o), items, () => items.length === 0 ? 'no workflows deployed' : items.map((w) => rowText(w, Math.max(...items.map((i) => i.workflowId.length)))).join('\n'));
    }));

  workflows.command('show').description('a workflow with all its versions').argument('<id>')
    .action((id: string, o: object) => withClient(opts(o), async (client) => {
      const { workflow, versions } = await client.workflows.show(id);
      print(opts(o), { workflow, versions }, () => [
        rowText(workflow),
        ...versions.map((v) => {
          const d = v.definition as { name?: string; object?: string; trigger?: unknown };
          return `  v${v.version}${v.version === workflow.activeVersion ? ' (active)' : ''}  ${time(v.createdAt)}  ${d.object ?? ''}  ${JSON.stringify(d.trigger ?? null)}  ${d.name ?? ''}`;
        }),
      ].join('\n'));
    }));

  for (const enabled of [true, false]) {
    const command = workflows.command(enabled ? 'enable' : 'disable').argument('<id>');
    if (!enabled) command.option('--cancel-pending', 'also cancel its queued, paused and running executions, with --reason', false).option('--reason <text>');
    command
      .description(enabled ? 'let the workflow\'s trigger match again' : 'stop the workflow\'s trigger from matching new changes')
      .action((id: string, o: { cancelPending?: boolean; reason?: string }) => withClient(opts(o), async (client) => {
        const w = await client.workflows.setEnabled(id, enabled);
        const pending = !enabled && o.cancelPending === true ? `; ${await cancelPending(opts(o), id, o.reason)}` : '';
        print(opts(o), w, () => `${enabled ? 'enabled' : 'disabled'} ${w.workflowId}${pending}`);
      }));
  }

  workflows.command('pause').argument('<id>').description('hold the workflow\'s queued and waiting executions until it is resumed')
    .option('--reason <text>', 'shown beside every execution it holds')
    .action((id: string, o: { reason?: string }) => withClient(opts(o), async (client) => {
      const answer = await client.workflows.pause(id, o.reason);
      print(opts(o), answer, () => `paused ${id}: ${answer.held ?? 0} queued execution(s) held${answer.stopping ? `, ${answer.stopping} running asked to stop` : ''}`);
    }));

  workflows.command('resume').argument('<id>').description('release a paused workflow\'s held executions')
    .action((id: string, o: object) => withClient(opts(o), async (client) => {
      const answer = await client.workflows.resume(id);
      print(opts(o), answer, () => answer.released === false ? `${id} was not paused` : `resumed ${id}: ${answer.resumed ?? 0} execution(s) queued again`);
    }));
}
