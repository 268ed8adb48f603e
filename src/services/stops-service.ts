// Stop, pause, cancel (issue 12): the operations an admin reaches for in an emergency, shared by
// the API, the CLI and the dashboard. What each does to executions is the store's (store/stops.ts);
// this layer checks the request, names its actor and reason, and refreshes this process's catalog
// (a hold changes what new executions are queued as: the catalog carries the holds).
import type { Clock } from '../clock.js';
import type { WorkflowRow } from '../domain/types.js';
import { SwitchyardError, validationError, type FieldProblem } from '../errors.js';
import type { Store } from '../store/port.js';
import { CANCELLABLE, WHOLE_TENANT, type CancellableStatus, type HoldRow, type StopCounts } from '../store/stops.js';
import type { Catalog } from './catalog.js';
import type { WorkflowsService } from './workflows-service.js';

/** Longest reason kept with a stop: it is shown beside every execution it stopped. */
export const MAX_STOP_REASON = 1000;

/** Which executions a bulk cancel takes; every given field must match. Named as in the API. */
export interface CancelSelection {
  workflow?: string;
  recordType?: string;
  recordId?: string;
  rootChange?: string;
  /** Default: every status that has not ended (queued, paused, running). */
  status?: string | string[];
}

export interface HoldOutcome {
  hold: HoldRow;
  /** Queued executions now held ('paused'). */
  held: number;
  /** Running executions asked to pause at their worker's next commit. */
  stopping: number;
}

export interface ResumeOutcome {
  /** False when nothing was held (resuming twice is harmless). */
  released: boolean;
  resumed: number;
}

export interface CancelOutcome {
  cancelled: number;
  /** Running executions asked to cancel at their worker's next commit. */
  stopping: number;
}

export class StopsService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly workflows: WorkflowsService,
    private readonly clock: Clock,
  ) {}

  /** Holds the workflow's queued and waiting executions (and those queued from now on) until resumed. */
  async pauseWorkflow(tenant: string, workflowId: string, actor: string, reason?: string): Promise<HoldOutcome> {
    if (!(await this.store.listWorkflows(tenant)).some((w) => w.workflowId === workflowId)) {
      throw new SwitchyardError('WORKFLOW_NOT_FOUND', `workflow ${workflowId} does not exist`);
    }
    return this.hold(tenant, workflowId, actor, reasonOf(reason, `paused by ${actor}`));
  }

  resumeWorkflow(tenant: string, workflowId: string): Promise<ResumeOutcome> {
    return this.release(tenant, workflowId);
  }

  /** The emergency stop: every workflow of the tenant held, as by a pause of each (new ones too). */
  stopTenant(tenant: string, actor: string, reason?: string): Promise<HoldOutcome> {
    return this.hold(tenant, WHOLE_TENANT, actor, reasonOf(reason, `emergency stop by ${actor}`));
  }

  resumeTenant(tenant: string): Promise<ResumeOutcome> {
    return this.release(tenant, WHOLE_TENANT);
  }

  holds(tenant: string): Promise<HoldRow[]> {
    return this.store.listHolds(tenant);
  }

  /** Cancels what matches: queued and paused ones now, running ones at their worker's next commit. */
  async cancel(tenant: string, selection: CancelSelection, actor: string, reason?: string): Promise<CancelOutcome> {
    const filter = checkSelection(selection);
    const counts = await this.store.cancelMatching({ tenant, ...filter }, actor, reasonOf(reason, `cancelled by ${actor}`), this.clock.now());
    return outcome(counts);
  }

  /** Disables the workflow (no new executions); with cancelPending, cancels its pending ones too. */
  async disable(tenant: string, workflowId: string, actor: string, options: { cancelPending?: boolean; reason?: string } = {}): Promise<WorkflowRow & Partial<CancelOutcome>> {
    const reason = reasonOf(options.reason, `workflow ${workflowId} disabled by ${actor}`);
    const workflow = await this.workflows.setEnabled(tenant, workflowId, false);
    if (!options.cancelPending) return workflow;
    return { ...workflow, ...(await this.cancel(tenant, { workflow: workflowId }, actor, reason)) };
  }

  private async hold(tenant: string, workflowId: string, actor: string, reason: string): Promise<HoldOutcome> {
    const { hold, counts } = await this.store.hold({ tenant, workflowId, actor, reason, at: this.clock.now() });
    await this.catalog.forTenant(tenant, true);
    return { hold, held: counts.moved, stopping: counts.requested };
  }

  private async release(tenant: string, workflowId: string): Promise<ResumeOutcome> {
    const result = await this.store.releaseHold(tenant, workflowId, this.clock.now());
    await this.catalog.forTenant(tenant, true);
    if (result.resumed > 0) await this.store.notifyQueued();
    return result;
  }
}

const outcome = (c: StopCounts): CancelOutcome => ({ cancelled: c.moved, stopping: c.requested });

function reasonOf(reason: string | undefined, fallback: string): string {
  const text = reason?.trim() ?? '';
  if (text.length > MAX_STOP_REASON) throw validationError([{ path: '/reason', message: `must be at most ${MAX_STOP_REASON} characters` }]);
  return text === '' ? fallback : text;
}

/** The store's filter, or a problem naming the field: an unfiltered cancel is refused. */
function checkSelection(s: CancelSelection): { workflowId?: string; recordType?: string; recordId?: string; rootChangeId?: string; statuses: CancellableStatus[] } {
  const problems: FieldProblem[] = [];
  const given = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const statuses = s.status === undefined ? [] : Array.isArray(s.status) ? s.status : [s.status];
  for (const status of statuses) {
    if (!(CANCELLABLE as readonly string[]).includes(status)) {
      problems.push({ path: '/status', message: `${JSON.stringify(status)} cannot be cancelled: must be one of ${CANCELLABLE.join(', ')} (the others have ended)` });
    }
  }
  if (given(s.recordId) !== undefined && given(s.recordType) === undefined) problems.push({ path: '/record_type', message: 'is required with record_id' });
  if (problems.length > 0) throw validationError(problems);
  const filter = { workflowId: given(s.workflow), recordType: given(s.recordType), recordId: given(s.recordId), rootChangeId: given(s.rootChange) };
  if (Object.values(filter).every((v) => v === undefined) && statuses.length === 0) {
    throw new SwitchyardError('CANCEL_FILTER_REQUIRED', 'name what to cancel: workflow, record_type (and record_id), root_change or status', {
      problems: [{ path: '', message: 'give at least one of workflow, record_type, root_change, status' }],
    });
  }
  return { ...filter, statuses: statuses.length > 0 ? [...new Set(statuses as CancellableStatus[])] : [...CANCELLABLE] };
}
