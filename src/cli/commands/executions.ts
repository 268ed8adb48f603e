// switchyard executions list|show
import type { ExecutionStatus } from '../../domain/types.js';
import { print, withEngine, type GlobalOptions } from '../context.js';

export interface ListOptions extends GlobalOptions {
  status?: ExecutionStatus;
  workflow?: string;
  record?: string;
  limit: string;
}

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

export async function listExecutions(options: ListOptions): Promise<void> {
  await withEngine(options, async (engine, tenant) => {
    const [recordType, recordId] = options.record?.split('/') ?? [];
    const items = await engine.executions.list({ tenant, status: options.status, workflowId: options.workflow, recordType, recordId, limit: Number(options.limit) });
    print(options, items, () => items.length === 0 ? 'no executions' : items.map((e) =>
      `${e.id}  ${e.status.padEnd(9)} ${e.workflowId}@v${e.version}  ${e.recordType}/${e.recordId}  depth ${e.depth}  ${time(e.createdAt)}${e.reason ? `  (${e.reason})` : ''}`).join('\n'));
  });
}

export async function showExecution(id: string, options: GlobalOptions): Promise<void> {
  await withEngine(options, async (engine, tenant) => {
    const e = await engine.executions.show(tenant, id);
    print(options, e, () => [
      `execution ${e.id}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`,
      `workflow  ${e.workflowId} v${e.version}   record ${e.recordType}/${e.recordId}   attempt ${e.attempt}`,
      `cause     root change ${e.rootChangeId}, depth ${e.depth}`,
      `timing    created ${time(e.createdAt)}, started ${time(e.startedAt)}, finished ${time(e.finishedAt)}${e.durationMs !== null ? ` (${e.durationMs} ms)` : ''}`,
      ...e.steps.map((s) => `  step ${s.stepId.padEnd(16)} ${s.status.padEnd(9)} ${s.durationMs} ms${s.error ? `  ${s.error}` : ''}`),
    ].join('\n'));
  });
}
