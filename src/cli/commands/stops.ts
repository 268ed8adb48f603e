// switchyard stop | resume (the tenant's emergency stop), executions cancel, and the
// --cancel-pending of workflows disable (workflows pause|resume are in workflows.ts). Local (a store opened here) or, with --url, through a
// server's API (the server's token names the actor there; here it is cli:<os user>).
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { CancelOutcome, CancelSelection, HoldOutcome, ResumeOutcome } from '../../services/stops-service.js';
import { Http, parseServerUrl } from '../client/http.js';
import { print, withEngine, type GlobalOptions } from '../context.js';

/** What these commands ask, of the engine here or of a server. */
interface StopsClient {
  stop(reason?: string): Promise<HoldOutcome>;
  resume(): Promise<ResumeOutcome>;
  cancel(selection: CancelSelection, reason?: string): Promise<CancelOutcome>;
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown'; // no passwd entry (some containers)
  }
}

async function withStops<T>(options: GlobalOptions, fn: (client: StopsClient) => Promise<T>): Promise<T> {
  if (options.url !== undefined) {
    const http = new Http({ url: parseServerUrl(options.url), token: options.token });
    return fn({
      stop: (reason) => http.send('POST', '/v1/stop', { body: { reason } }),
      resume: () => http.send('POST', '/v1/resume'),
      cancel: (s, reason) => http.send('POST', '/v1/executions/cancel', {
        body: { workflow: s.workflow, record_type: s.recordType, record_id: s.recordId, root_change: s.rootChange, status: s.status, reason },
      }),
    });
  }
  return withEngine(options, (engine, tenant) => {
    const actor = cliActor();
    return fn({
      stop: (reason) => engine.stops.stopTenant(tenant, actor, reason),
      resume: () => engine.stops.resumeTenant(tenant),
      cancel: (s, reason) => engine.stops.cancel(tenant, s, actor, reason),
    });
  });
}

interface CancelOptions { workflow?: string; record?: string; rootChange?: string; status?: string[]; reason?: string }

/** --record type/id: both parts, or the message says what is missing. */
function recordOf(record: string | undefined): { recordType?: string; recordId?: string } {
  if (record === undefined) return {};
  const slash = record.indexOf('/');
  return slash < 0 ? { recordType: record } : { recordType: record.slice(0, slash), recordId: record.slice(slash + 1) };
}

const cancelled = (r: CancelOutcome): string =>
  `cancelled ${r.cancelled} execution(s)${r.stopping > 0 ? `; ${r.stopping} running will be cancelled after their current step` : ''}`;

export function registerStopCommands(program: Command, globals: () => GlobalOptions): void {
  const opts = (o: object): GlobalOptions => ({ ...globals(), ...o });

  program.command('stop').description('emergency stop: hold every workflow of the tenant (queued, waiting and new executions) until `switchyard resume`')
    .option('--reason <text>', 'why (kept with every execution it holds)')
    .action((o: { reason?: string }) => withStops(opts(o), async (client) => {
      const r = await client.stop(o.reason);
      print(opts(o), r, () => `stopped: ${r.held} execution(s) held${r.stopping > 0 ? `, ${r.stopping} running will pause after their current step` : ''} (${r.hold.reason})`);
    }));

  program.command('resume').description('end the emergency stop (workflows paused one by one stay paused)')
    .action((o: object) => withStops(opts(o), async (client) => {
      const r = await client.resume();
      print(opts(o), r, () => (r.released ? `resumed: ${r.resumed} execution(s) queued again` : 'no emergency stop was in force'));
    }));

  const executions = program.commands.find((c) => c.name() === 'executions') ?? program.command('executions');
  executions.command('cancel').description('cancel every execution that matches: queued and paused now, running after its current step')
    .option('--workflow <id>').option('--record <type/id>').option('--root-change <id>')
    .option('--status <status...>', 'queued, paused, running (default: all three)')
    .option('--reason <text>', 'why (kept with every execution it cancels)')
    .action((o: CancelOptions) => withStops(opts(o), async (client) => {
      const r = await client.cancel({ workflow: o.workflow, ...recordOf(o.record), rootChange: o.rootChange, status: o.status }, o.reason);
      print(opts(o), r, () => cancelled(r));
    }));
}

/** workflows disable --cancel-pending: after the disable, its queued, paused and running executions. */
export async function cancelPending(options: GlobalOptions, workflowId: string, reason?: string): Promise<string> {
  return withStops(options, async (client) => cancelled(await client.cancel({ workflow: workflowId }, reason ?? `workflow ${workflowId} disabled`)));
}
