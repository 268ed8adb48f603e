// switchyard explain <type> <id>: per change of the record, every workflow of its type and why it
// did or did not run. `formatExplanation` prints an answer however it was obtained (the engine
// here, or GET /v1/records/{type}/{id}/explain from a server).
import type { RecordExplanation, WorkflowVerdict } from '../../services/explain.js';
import { print, withClient, type GlobalOptions } from '../context.js';

export interface ExplainOptions extends GlobalOptions {
  limit?: string;
}

export async function explain(type: string, id: string, options: ExplainOptions): Promise<void> {
  await withClient(options, async (client) => {
    const answer = await client.records.explain(type, id, options.limit === undefined ? undefined : Number(options.limit));
    print(options, answer, () => formatExplanation(answer));
  });
}

const MARK: Record<WorkflowVerdict['verdict'], string> = {
  ran: 'ran',
  not_deployed: 'no',
  trigger_not_matched: 'no',
  disabled: 'no',
  loop_guard: 'stopped',
  condition_false: 'skipped',
  condition_error: 'skipped',
  skipped: 'skipped',
  no_execution: '?',
};

/** The explanation as text: one block per change, one line per workflow, execution ids beneath. */
export function formatExplanation(answer: RecordExplanation): string {
  const lines: string[] = [];
  for (const change of answer.changes) {
    const who = change.actor.kind === 'user' ? change.actor.id : `${change.actor.workflowId} v${change.actor.version}`;
    const fields = change.changedFields.length > 0 ? ` (${change.changedFields.join(', ')})` : '';
    lines.push(`${change.at}  ${change.operation}${fields} by ${who}, depth ${change.depth}  change ${change.changeId}`);
    if (change.workflows.length === 0) lines.push('  no workflows for this object type');
    for (const w of change.workflows) {
      const version = w.version === null ? '' : ` v${w.version}`;
      lines.push(`  ${MARK[w.verdict].padEnd(8)} ${`${w.workflowId}${version}`.padEnd(28)} ${w.verdict}: ${w.message}`);
      for (const e of w.executions) lines.push(`           execution ${e.id} ${e.status}`);
    }
  }
  if (answer.moreChanges) lines.push(`older changes not shown (--limit to see more)`);
  lines.push(...answer.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}
