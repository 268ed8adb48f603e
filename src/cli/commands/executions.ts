// switchyard executions list|show
import type { ExecutionStatus } from '../../domain/types.js';
import { print, withClient, type GlobalOptions } from '../context.js';
import { time } from '../format.js';

export interface ListOptions extends GlobalOptions {
  status?: ExecutionStatus;
  workflow?: string;
  record?: string;
  limit: string;
}

export async function listExecutions(options: ListOptions): Promise<void> {
  await withClient(options, async (client) => {
    const [recordType, recordId] = options.record?.split('/') ?? [];
    const items = await client.executions.list({ status: options.status, workflow: options.workflow, recordType, recordId, limit: Number(options.limit) });
    print(options, items, () => items.length === 0 ? 'no executions' : items.map((e) =>
      `${e.id}  ${e.status.padEnd(9)} ${e.workflowId}@v${e.version}  ${e.recordType}/${e.recordId}  depth ${e.depth}  ${time(e.createdAt)}${e.reason ? `  (${e.reason})` : ''}${e.stoppedBy ? `  [${e.status === 'paused' ? `held by ${e.stoppedBy}: ${e.stopReason ?? ''}` : `${e.status === 'cancelled' ? 'cancelled' : 'stop asked'} by ${e.stoppedBy}`}]` : ''}`).join('\n'));
  });
}

export async function showExecution(id: string, options: GlobalOptions): Promise<void> {
  await withClient(options, async (client) => {
    const e = await client.executions.show(id);
    print(options, e, () => [
      `execution ${e.id}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`,
      `workflow  ${e.workflowId} v${e.version}   record ${e.recordType}/${e.recordId}   attempt ${e.attempt}`,
      `cause     root change ${e.rootChangeId}, depth ${e.depth}`,
      `timing    created ${time(e.createdAt)}, started ${time(e.startedAt)}, finished ${time(e.finishedAt)}${e.durationMs !== null ? ` (${e.durationMs} ms)` : ''}`,
      ...e.steps.map((s) => `  step ${s.stepId.padEnd(16)} ${s.status.padEnd(9)} ${s.durationMs} ms${s.error ? `  ${s.error}` : ''}`),
    ].join('\n'));
  });
}
