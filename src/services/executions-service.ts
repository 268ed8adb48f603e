// Execution queries for the API, CLI and dashboard.
import { SwitchyardError } from '../errors.js';
import type { Store } from '../store/port.js';
import type { ExecutionRow, StepRow } from '../domain/types.js';
import type { ExecutionFilter } from '../store/types.js';

export interface ExecutionDetail extends ExecutionRow {
  steps: (StepRow & { durationMs: number })[];
  durationMs: number | null;
}

export class ExecutionsService {
  constructor(private readonly store: Store) {}

  list(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    return this.store.listExecutions({ ...filter, limit: Math.min(Math.max(filter.limit ?? 50, 1), 500) });
  }

  async show(tenant: string, id: string): Promise<ExecutionDetail> {
    const execution = await this.store.getExecution(tenant, id);
    if (!execution) throw new SwitchyardError('EXECUTION_NOT_FOUND', `execution ${id} does not exist`);
    const steps = (await this.store.listSteps(id)).map((s) => ({ ...s, durationMs: s.finishedAt - s.startedAt }));
    const durationMs = execution.finishedAt !== null && execution.startedAt !== null ? execution.finishedAt - execution.startedAt : null;
    return { ...execution, steps, durationMs };
  }
}
