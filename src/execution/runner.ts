// Runs one claimed execution: conditions on fresh state, then each step after the last
// checkpoint. A data step commits its writes together with its checkpoint (exactly once); every
// write is fenced by the lease's attempt number, so a stale worker cannot write (invariant 5).
import { performance } from 'node:perf_hooks';
import type { ResolvedConnector, StepContext } from '../actions/types.js';
import type { Clock } from '../clock.js';
import type { CelContext } from '../conditions/cel.js';
import type { ConditionStats } from '../conditions/ordering.js';
import type { CompiledStep, CompiledWorkflow } from '../definitions/compile.js';
import { isSwitchyardError, StaleLeaseError } from '../errors.js';
import type { EngineEvents } from '../observability/events.js';
import type { Catalog } from '../services/catalog.js';
import { CatalogStaleError } from '../services/catalog.js';
import { applyWrite, type WriteDeps } from '../services/write-path.js';
import type { Store, StoreTx } from '../store/port.js';
import type { ChangeRow, ExecutionRow, ExecutionStatus, Json, Lease, RecordData, StepRow } from '../store/types.js';

export interface RunnerDeps {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  events: EngineEvents;
  writeDeps: WriteDeps;
  conditionStats: ConditionStats;
  connector: (tenant: string, name: string) => ResolvedConnector;
}

interface RunState {
  exec: ExecutionRow;
  lease: Lease;
  wf: CompiledWorkflow;
  change: ChangeRow | undefined;
  signal: AbortSignal;
}

/** A step that failed for good: the execution ends failed with this reason. */
class StepFailed extends Error {}

export class ExecutionRunner {
  constructor(private readonly deps: RunnerDeps) {}

  async run(exec: ExecutionRow, signal: AbortSignal): Promise<void> {
    const lease: Lease = { executionId: exec.id, attempt: exec.attempt };
    try {
      const wf = await this.deps.catalog.version(exec.tenant, exec.workflowId, exec.version);
      const change = await this.deps.store.getChange(exec.tenant, exec.triggerKey);
      const state: RunState = { exec, lease, wf, change, signal };
      // A failed step is not done: a dead-letter replay runs it again; every other checkpoint stands.
      const done = new Set((await this.deps.store.listSteps(exec.id)).filter((s) => s.status !== 'failed').map((s) => s.stepId));
      if (exec.kind === 'workflow' && done.size === 0) {
        const skip = await this.checkConditions(state);
        if (skip) return await this.finish(state, 'skipped', skip);
      }
      const steps = exec.kind === 'step' ? wf.steps.filter((s) => s.definition.id === exec.stepId) : wf.steps;
      for (const step of steps) {
        if (done.has(step.definition.id)) continue; // checkpointed before a crash: never run twice
        if (signal.aborted) return; // shutting down: the lease runs out and another worker resumes
        await this.runStep(state, step);
      }
      await this.finish(state, 'succeeded', null);
    } catch (error) {
      await this.handleError(exec, lease, error);
    }
  }

  private async handleError(exec: ExecutionRow, lease: Lease, error: unknown): Promise<void> {
    if (error instanceof StaleLeaseError) {
      this.deps.events.emit('lease:lost', exec.id);
      return;
    }
    const state = { exec, lease } as RunState;
    try {
      if (error instanceof StepFailed) return await this.finish(state, 'failed', error.message);
      if (isSwitchyardError(error) && error.retryable) {
        // The store (or something under us) is unavailable: try again shortly, nothing is lost.
        return await this.finish(state, 'queued', `retrying after: ${error.message}`, this.deps.clock.now() + 1000);
      }
      await this.finish(state, 'failed', error instanceof Error ? error.message : String(error));
    } catch (finishError) {
      // Could not record the outcome (lost lease or store down): the lease expires and the
      // sweeper returns the execution to the queue, so nothing is dropped.
      this.deps.events.emit('worker:error', finishError);
    }
  }

  /** Evaluates conditions cheapest-first on the record as it is now. Returns a skip reason or undefined. */
  private async checkConditions(state: RunState): Promise<string | undefined> {
    const { exec, wf, change } = state;
    const record = await this.currentData(exec, change);
    if (!record) return 'the record no longer exists';
    const cel = this.celContext(exec, record, change);
    const ordered = this.deps.conditionStats.order(wf.conditions, (c) => conditionKey(wf, c.index));
    for (const condition of ordered) {
      const started = performance.now();
      let result: boolean;
      try {
        result = condition.program.evaluate(cel) === true;
      } catch (error) {
        return `condition ${condition.index} (${condition.name}) could not be evaluated: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
      this.deps.conditionStats.record(conditionKey(wf, condition.index), performance.now() - started, result);
      if (!result) return `condition ${condition.index} is false: ${condition.name}`;
    }
    return undefined;
  }

  private async runStep(state: RunState, step: CompiledStep): Promise<void> {
    const startedAt = this.deps.clock.now();
    const base = { executionId: state.exec.id, stepId: step.definition.id, attempt: state.lease.attempt, startedAt };
    if (step.mode === 'async' && state.exec.kind === 'workflow') return this.enqueueAsync(state, step, base);
    if (step.action.kind === 'data') return this.runDataStep(state, step, base);
    throw new StepFailed(`step ${step.definition.id}: external actions are not enabled in this build`);
  }

  /** An async step becomes its own durable job in the record's lane; the workflow goes on. */
  private async enqueueAsync(state: RunState, step: CompiledStep, base: Omit<StepRow, 'status' | 'output' | 'error' | 'finishedAt'>): Promise<void> {
    const { exec } = state;
    const jobId = `${exec.id}:${step.definition.id}`;
    const saved = await this.deps.store.transaction(async (tx) => {
      await tx.checkLease(state.lease);
      await tx.insertExecutions([{
        id: jobId, tenant: exec.tenant, kind: 'step', workflowId: exec.workflowId, version: exec.version, triggerKey: exec.triggerKey,
        stepId: step.definition.id, parentId: exec.id, recordType: exec.recordType, recordId: exec.recordId, lane: exec.lane,
        runAt: this.deps.clock.now(), rootChangeId: exec.rootChangeId, depth: exec.depth, input: exec.input, createdAt: this.deps.clock.now(),
      }]);
      return this.saveStep(tx, { ...base, status: 'enqueued', output: { job: jobId }, error: null, finishedAt: this.deps.clock.now() });
    });
    this.deps.events.emit('step:finished', exec, saved);
    await this.deps.store.notifyQueued();
  }

  private async runDataStep(state: RunState, step: CompiledStep, base: Omit<StepRow, 'status' | 'output' | 'error' | 'finishedAt'>): Promise<void> {
    if (step.action.kind !== 'data') return;
    const action = step.action;
    const { exec } = state;
    for (let attempt = 0; ; attempt++) {
      const catalog = this.deps.catalog.cached(exec.tenant) ?? (await this.deps.catalog.forTenant(exec.tenant));
      try {
        const saved = await this.deps.store.transaction(async (tx) => {
          await tx.checkLease(state.lease);
          const current = await tx.getRecordForUpdate(exec.tenant, exec.recordType, exec.recordId);
          const cel = this.celContext(exec, current?.data ?? state.change?.before ?? {}, state.change);
          if (step.when && step.when.evaluate(cel) !== true) {
            return this.saveStep(tx, { ...base, status: 'skipped', output: { reason: `when is false: ${step.when.source}` }, error: null, finishedAt: this.deps.clock.now() });
          }
          const writes = action.plan(step.compiled, this.stepContext(state, step, cel));
          const results: Json[] = [];
          for (const write of writes) {
            const parent = { rootChangeId: exec.rootChangeId, depth: exec.depth, executionId: exec.id, workflowId: exec.workflowId, version: exec.version, path: executionPath(exec) };
            const actor = { kind: 'workflow' as const, workflowId: exec.workflowId, version: exec.version, executionId: exec.id, stepId: step.definition.id };
            const common = { tenant: exec.tenant, type: write.type, actor, parent };
            const result = await applyWrite(tx, catalog,
              write.kind === 'create' ? { ...common, op: 'create', id: write.id ?? `${exec.id}:${step.definition.id}`, data: write.data }
              : write.kind === 'update' ? { ...common, op: 'patch', id: write.id, data: write.patch }
              : { ...common, op: 'delete', id: write.id },
              this.deps.writeDeps);
            results.push({ kind: write.kind, type: write.type, id: result.record?.id ?? write.id ?? null, change: result.change?.id ?? null, version: result.record?.version ?? null });
          }
          return this.saveStep(tx, { ...base, status: 'succeeded', output: { writes: results }, error: null, finishedAt: this.deps.clock.now() });
        });
        this.deps.events.emit('step:finished', exec, saved);
        await this.deps.store.notifyQueued();
        return;
      } catch (error) {
        if (error instanceof CatalogStaleError && attempt < 5) {
          await this.deps.catalog.forTenant(exec.tenant, true);
          continue;
        }
        if (error instanceof StaleLeaseError || (isSwitchyardError(error) && error.retryable)) throw error;
        const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
        const failed = await this.deps.store.transaction(async (tx) => {
          await tx.checkLease(state.lease);
          return this.saveStep(tx, { ...base, status: 'failed', output: null, error: message, finishedAt: this.deps.clock.now() });
        });
        this.deps.events.emit('step:finished', exec, failed);
        throw new StepFailed(`step ${step.definition.id} failed: ${message}`);
      }
    }
  }

  private async saveStep(tx: StoreTx, row: StepRow): Promise<StepRow> {
    await tx.saveStep(row);
    return row;
  }

  private async finish(state: RunState, status: ExecutionStatus, reason: string | null, runAt?: number): Promise<void> {
    const finishedAt = status === 'queued' ? null : this.deps.clock.now();
    await this.deps.store.transaction((tx) => tx.finishExecution(state.lease, { status, reason, finishedAt, runAt }));
    this.deps.events.emit('execution:finished', state.exec, status, reason);
  }

  private async currentData(exec: ExecutionRow, change: ChangeRow | undefined): Promise<RecordData | undefined> {
    if (change?.operation === 'deleted') return change.before ?? {};
    return (await this.deps.store.getRecord(exec.tenant, exec.recordType, exec.recordId))?.data;
  }

  private celContext(exec: ExecutionRow, record: RecordData, change: ChangeRow | undefined): CelContext {
    return {
      record: { ...record, id: exec.recordId },
      previous: change?.before ? { ...change.before, id: exec.recordId } : {},
      changed: change?.changedFields ?? [],
      now: this.deps.clock.now(),
    };
  }

  private stepContext(state: RunState, step: CompiledStep, cel: CelContext): StepContext {
    const { exec } = state;
    return {
      tenant: exec.tenant,
      executionId: exec.id,
      stepId: step.definition.id,
      idempotencyKey: `${exec.id}:${step.definition.id}`,
      recordType: exec.recordType,
      recordId: exec.recordId,
      cel,
      signal: state.signal,
      connector: (name) => this.deps.connector(exec.tenant, name),
    };
  }
}

/** The workflows that led to this execution, itself included (recorded at queue time). */
function executionPath(exec: ExecutionRow): string[] {
  const input = exec.input as { path?: unknown } | null;
  return Array.isArray(input?.path) ? input.path.filter((p): p is string => typeof p === 'string') : [exec.workflowId];
}

function conditionKey(wf: CompiledWorkflow, index: number): string {
  return `${wf.tenant}/${wf.id}@${wf.version}#${index}`;
}

