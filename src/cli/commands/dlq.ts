// switchyard dlq list|show|replay|discard
import { print, withClient, type GlobalOptions } from '../context.js';
import { millisBetween, time } from '../format.js';

export interface SelectOptions extends GlobalOptions {
  workflow?: string;
  all?: boolean;
}

export async function listDeadLetters(options: SelectOptions & { limit: string }): Promise<void> {
  await withClient(options, async (client) => {
    const items = await client.deadLetters.list({ workflow: options.workflow, limit: Number(options.limit) });
    print(options, items, () => items.length === 0 ? 'the dead-letter list is empty' : items.map((e) =>
      `${e.id}  ${e.workflowId}@v${e.version}  ${e.recordType}/${e.recordId}  ${e.finishedAt ? time(e.finishedAt) : ''}  ${e.reason ?? ''}`).join('\n'));
  });
}

export async function showDeadLetter(id: string, options: GlobalOptions): Promise<void> {
  await withClient(options, async (client) => {
    const d = await client.deadLetters.show(id);
    print(options, d, () => [
      `dead letter ${d.id}: ${d.workflowId} v${d.version} on ${d.recordType}/${d.recordId}`,
      `reason    ${d.reason ?? ''}`,
      `trigger   ${d.trigger ? `${d.trigger.operation} ${d.trigger.changedFields.join(', ')} (change ${d.trigger.id})` : 'unknown'}`,
      ...d.steps.map((s) => `step      ${s.stepId} ${s.status}${s.error ? `: ${s.error}` : ''}`),
      ...d.attempts.map((a) => `attempt   ${a.stepId} via ${a.action} at ${time(a.startedAt)} (${millisBetween(a.startedAt, a.finishedAt)} ms) ${a.code}${a.retryable ? ' (retryable)' : ''}: ${a.error}`),
    ].join('\n'));
  });
}

export async function replayDeadLetters(ids: string[], options: SelectOptions): Promise<void> {
  await withClient(options, async (client) => {
    const replayed = await client.deadLetters.replay({ ids, workflow: options.workflow, all: options.all });
    print(options, { replayed }, () => `requeued ${replayed.length} execution(s)`);
  });
}

export async function discardDeadLetters(ids: string[], options: SelectOptions): Promise<void> {
  await withClient(options, async (client) => {
    const discarded = await client.deadLetters.discard({ ids, workflow: options.workflow, all: options.all });
    print(options, { discarded }, () => `discarded ${discarded.length} execution(s)`);
  });
}
