// Reads what explain.ts needs for one record, in bounded reads: the newest `limit` changes, the
// record's executions back to the oldest of them (in pages, capped), and every workflow with its
// versions. The explanation itself is pure (explain.ts).
import { SwitchyardError, validationError } from '../errors.js';
import type { ExecutionRow } from '../domain/types.js';
import type { Catalog } from './catalog.js';
import type { Store } from '../store/port.js';
import { explainRecord, type RecordExplanation, type WorkflowHistory } from './explain.js';

/** Changes explained when no limit is given, and the most one request may ask for. */
export const EXPLAIN_DEFAULT_CHANGES = 10;
export const EXPLAIN_MAX_CHANGES = 100;
/** Executions read per page, and in all: a record caught in a loop can have thousands. */
const EXECUTION_PAGE = 500;
export const EXPLAIN_MAX_EXECUTIONS = 5_000;

export class ExplainService {
  constructor(private readonly store: Store, private readonly catalog: Pick<Catalog, 'objectType'>) {}

  async record(tenant: string, type: string, id: string, options: { limit?: number } = {}): Promise<RecordExplanation> {
    await this.catalog.objectType(tenant, type);
    const limit = options.limit ?? EXPLAIN_DEFAULT_CHANGES;
    if (!Number.isInteger(limit) || limit < 1 || limit > EXPLAIN_MAX_CHANGES) {
      throw validationError([{ path: 'limit', message: `must be a whole number from 1 to ${EXPLAIN_MAX_CHANGES}, got ${String(options.limit)}` }]);
    }
    const read = await this.store.listRecentChanges(tenant, type, id, limit + 1);
    if (read.length === 0) throw new SwitchyardError('RECORD_NOT_FOUND', `${type} ${id} has no changes: it was never written`);
    const changes = read.slice(0, limit);
    const oldest = changes.at(-1)?.at ?? 0;
    const { executions, complete } = await this.executionsSince(tenant, type, id, oldest);
    return explainRecord({ type, id, changes, moreChanges: read.length > limit, workflows: await this.workflows(tenant), executions, executionsComplete: complete });
  }

  /** The record's executions, newest first, until one was created before `since` (a change's executions are created at its time). */
  private async executionsSince(tenant: string, recordType: string, recordId: string, since: number): Promise<{ executions: ExecutionRow[]; complete: boolean }> {
    const executions: ExecutionRow[] = [];
    let before: string | undefined;
    while (executions.length < EXPLAIN_MAX_EXECUTIONS) {
      const page = await this.store.listExecutions({ tenant, recordType, recordId, limit: EXECUTION_PAGE, before });
      executions.push(...page);
      const last = page.at(-1);
      if (!last || page.length < EXECUTION_PAGE || last.createdAt < since) return { executions, complete: true };
      before = last.id;
    }
    return { executions, complete: false };
  }

  private async workflows(tenant: string): Promise<WorkflowHistory[]> {
    const rows = await this.store.listWorkflows(tenant);
    return Promise.all(rows.map(async (workflow) => ({ workflow, versions: await this.store.listWorkflowVersions(tenant, workflow.workflowId) })));
  }
}
