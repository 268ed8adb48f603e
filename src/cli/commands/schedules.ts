// switchyard schedules [--all] [--skipped]: each schedule and relative-date timer with its next
// fire, in UTC and in its own time zone; --skipped lists the fires that did not run and why.
import type { Command } from 'commander';
import { print, withEngine, type GlobalOptions } from '../context.js';

interface SchedulesOptions extends GlobalOptions {
  all?: boolean;
  skipped?: boolean;
  workflow?: string;
  limit: string;
}

export async function listSchedules(options: SchedulesOptions): Promise<void> {
  await withEngine(options, async (engine, tenant) => {
    const limit = Number(options.limit);
    if (options.skipped) {
      const items = await engine.schedules.skipped(tenant, limit);
      print(options, items, () => items.length === 0 ? 'no skipped fires' : items.map((s) =>
        `${s.due}  ${s.workflowId}@v${s.version}${s.record ? `  ${s.record.type}/${s.record.id}` : ''}  ${s.reason}`).join('\n'));
      return;
    }
    const view = await engine.schedules.list(tenant, { status: options.all ? 'all' : 'scheduled', workflowId: options.workflow, limit });
    print(options, view, () => {
      const lines: string[] = [];
      for (const s of view.schedules) {
        const next = s.nextFire ? `next ${s.nextFireLocal} (${s.nextFire})` : 'paused';
        lines.push(`schedule  ${s.workflowId}@v${s.version}  ${s.rule}  ${next}  missed: ${s.missed}${s.forEach ? `  for each ${s.forEach.object}${s.forEach.where ? ` where ${s.forEach.where}` : ''}` : ''}`);
      }
      for (const t of view.timers) {
        lines.push(`timer     ${t.workflowId}@v${t.version}  ${t.record.type}/${t.record.id}  ${t.status === 'scheduled' ? 'due' : t.status} ${t.dueLocal} (${t.due})  anchor ${t.anchor}${t.reason ? `  (${t.reason})` : ''}`);
      }
      return lines.length === 0 ? 'no schedules or timers' : lines.join('\n');
    });
  });
}

export function registerScheduleCommands(program: Command): void {
  program.command('schedules').description('schedules and relative-date timers with their next fire; --skipped: fires that did not run')
    .option('--all', 'timers in every state (fired, skipped, cancelled), not only scheduled ones')
    .option('--skipped', 'the fires that did not run, newest first, with the reason')
    .option('--workflow <id>')
    .option('--limit <n>', 'timers or skipped fires listed', '50')
    .action((opts: Record<string, unknown>) => listSchedules({ ...program.opts<Record<string, unknown>>(), ...opts } as never));
}
