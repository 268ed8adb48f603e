// Runs one claimed execution: the workflow's breaker, conditions on fresh state, then each step
// after the last checkpoint. A data step commits its writes together with its checkpoint (exactly
// once); an external step goes through the effect ledger. Every write is fenced by the lease's
// attempt number, so a stale worker cannot write (invariant 5). Nothing ends silently (invariant 6):
// a step that exhausts its retries and fallbacks dead-letters the execution with an alert and an
// ops task.
import type { ConnectorRuntime } from '../actions/connectors/config.js';
import { classifyFailure, NonRetryableError, type FailureClass } from '../failures/action-failures.js';
import type { StepContext } from '../actions/types.js';
import type { Clock } from '../clock.js';
import type { CelContext } from '../conditions/cel.js';
import { ExpressionBudgetError } from '../conditions/expression-errors.js';
import type { SharedConditionStats } from './condition-stats.js';
import type { CompiledStep, CompiledWorkflow } from '../definitions/compile.js';
import { isSwitchyardError, StaleLeaseError } from '../errors.js';
import type { Alerts } from '../observability/alerts.js';
import type { EngineEvents } from '../observability/events.js';
import type { RateLimiter } from '../scheduling/rate-limiter.js';
import { CatalogStaleError, type Catalog } from '../services/catalog.js';
import { applyWrite, transact, type WriteDeps } from '../services/intake.js';
import type { ExecutionContextRow, Store, StoreTx } from '../store/port.js';
import type { ChangeRow, ExecutionRow, ExecutionStatus, Json, Lease, RecordData, StepRow } from '../domain/types.js';
import type { Breakers } from './breakers.js';
import type { BreakerConfig } from '../failures/circuit-breaker.js';
import { callExternal } from './external-call.js';
import { deadLetterAlert, idempotencyKey, opsTask, writeOrigin } from './execution-facts.js';
import { checkConditions, checkConditionsWithLookups, type ConditionOutcome } from './condition-check.js';
import { performLookup } from './lookups.js';
import { afterFailure, nextMove, stepFailure } from './decide.js';
import { celContextFor, currentRecordData, stepOutputs } from './run-context.js';
import { Requeue, StepFailed } from './step-outcome.js';
import { Stopped, stoppedUpdate } from './stop.js';
import type { ExecutionUpdate } from '../store/port.js';
import type { StopRequest } from '../store/stops.js';
import type { Requeued } from './stop.js';

export interface RunnerDeps {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  events: EngineEvents;
  writeDeps: WriteDeps;
  conditionStats: SharedConditionStats;
  breakers: Breakers;
  alerts: Alerts;
  limiter: RateLimiter;
  connectors: (tenant: string, name: string) => ConnectorRuntime | undefined;
  workflowBreaker: BreakerConfig;
  random?: () => number;
}

interface RunState {
  /** Outputs of this execution's checkpointed steps, by step id: `steps` in later steps' CEL. */
  outputs: Record<string, Json>;
  exec: ExecutionRow;
  lease: Lease;
  wf: CompiledWorkflow;
  change: ChangeRow | undefined;
  signal: AbortSignal;
}

type StepBase = Pick<StepRow, 'executionId' | 'stepId' | 'attempt' | 'startedAt'>;

/** What the batch runner read and decided for an execution it hands on. */
export interface Preloaded {
  context: ExecutionContextRow;
  /** Set when it evaluated the conditions (on the record it loaded). */
  conditions?: ConditionOutcome;
}

/** Where one step run left the execution. */
type StepOutcome =
  /** Checkpointed; the execution goes on with its next step. */
  | { kind: 'checkpointed'; status: StepRow['status'] }
  /** The last step's checkpoint also ended the execution, in the same transaction. */
  | { kind: 'ended' }
  | { kind: 'retry'; runAt: number; reason: string }
  | { kind: 'failed'; stepId: string; code: string; reason: string };

export class ExecutionRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Runs one claimed execution. `loaded` is what the batch runner already read and decided for it
   * (its context, and the conditions' outcome when it checked them): not read or evaluated again.
   */
  async run(exec: ExecutionRow, signal: AbortSignal, loaded?: Preloaded): Promise<void> {
    const lease: Lease = { executionId: exec.id, attempt: exec.attempt };
    let state: RunState | undefined;
    try {
      const wf = await this.deps.catalog.version(exec.tenant, exec.workflowId, exec.version);
      const { change, checkpoints, earlier } = loaded ? { change: loaded.context.change, checkpoints: loaded.context.steps, earlier: loaded.context.parentSteps } : await this.load(exec);
      state = { exec, lease, wf, change, signal, outputs: stepOutputs(earlier, checkpoints) };
      const breakerKey = `workflow:${wf.id}`;
      const gate = await this.deps.breakers.allow(exec.tenant, breakerKey, this.deps.workflowBreaker);
      const done: Pick<StepRow, 'stepId' | 'status'>[] = [...checkpoints];
      let conditions: ConditionOutcome | undefined = loaded?.conditions;
      // The decision core says what happens next; this loop only performs it (I/O) and asks again.
      for (;;) {
        const move = nextMove({
          kind: exec.kind, stepId: exec.stepId, steps: wf.steps, checkpoints: done, conditions,
          breaker: { allowed: gate.allowed, retryAt: gate.retryAt, key: breakerKey }, now: this.deps.clock.now(),
        });
        if (move.kind === 'wait') return await this.finish(state, 'queued', move.reason, move.runAt, move.waitingOn);
        if (move.kind === 'skip') return await this.finish(state, 'skipped', move.reason);
        if (move.kind === 'dead-letter') return await this.deadLetter(state, move.reason, { stepId: move.stepId, code: move.code });
        if (move.kind === 'finish') return await this.finish(state, 'succeeded', null);
        if (move.kind === 'check-conditions') {
          conditions = await this.checkConditions(state);
          continue;
        }
        if (signal.aborted) return; // shutting down: the lease runs out and another worker resumes
        const outcome = await this.runStep(state, move.step, move.last);
        if (outcome.kind === 'retry') return await this.finish(state, 'queued', outcome.reason, outcome.runAt);
        if (outcome.kind === 'failed') return await this.deadLetter(state, outcome.reason, { stepId: outcome.stepId, code: outcome.code });
        if (outcome.kind === 'ended') return await this.afterFinish(state, 'succeeded', null);
        done.push({ stepId: move.step.definition.id, status: outcome.status });
      }
    } catch (error) {
      await this.handleError(state ?? ({ exec, lease } as RunState), error);
    }
  }

  private async handleError(state: RunState, error: unknown): Promise<void> {
    if (error instanceof StaleLeaseError) {
      this.deps.events.emit('lease:lost', state.exec.id);
      return;
    }
    if (error instanceof Stopped) {
      // Paused or cancelled at a commit, in that commit's transaction (stop.ts).
      this.deps.events.emit('execution:finished', state.exec, error.update.status, error.update.reason ?? null);
      return;
    }
    try {
      if (error instanceof Requeue) return await this.finish(state, 'queued', error.reason, error.runAt, error.waitingOn);
      if (error instanceof StepFailed) return await this.deadLetter(state, error.message, { stepId: error.stepId, code: error.code });
      if (isSwitchyardError(error) && error.retryable) {
        // The store (or something under us) is unavailable: try again shortly, nothing is lost.
        return await this.finish(state, 'queued', `retrying after: ${error.message}`, this.deps.clock.now() + 1000);
      }
      await this.deadLetter(state, error instanceof Error ? error.message : String(error), { code: 'INTERNAL' });
    } catch (finishError) {
      // Could not record the outcome (lost lease or store down): the lease expires and the
      // sweeper returns the execution to the queue, so nothing is dropped.
      this.deps.events.emit('worker:error', finishError);
    }
  }

  /** The execution's trigger change and checkpoints, read one by one (the batch runner loads many at once). */
  private async load(exec: ExecutionRow): Promise<{ change: ChangeRow | undefined; checkpoints: StepRow[]; earlier: StepRow[] }> {
    // Only a record change has a change behind its trigger key; other kinds carry their payload in exec.input.
    const change = exec.occurrenceKind === 'record_change' ? await this.deps.store.getChange(exec.tenant, exec.triggerKey) : undefined;
    const checkpoints = await this.deps.store.listSteps(exec.id);
    // An async step's job sees the outputs of the steps its workflow execution ran before it.
    const earlier = exec.kind === 'step' && exec.parentId ? await this.deps.store.listSteps(exec.parentId) : [];
    return { change, checkpoints, earlier };
  }

  /** Conditions on the record as it is now (condition-check.ts), lookups performed here (lookups.ts). */
  private async checkConditions(state: RunState): Promise<ConditionOutcome> {
    const record = await this.currentData(state.exec, state.change);
    if (!record) return { pass: false, reason: 'the record no longer exists' };
    const { wf } = state;
    await this.deps.conditionStats.prepare(wf.tenant, wf.id);
    const cel = this.celContext(state, record);
    if (!wf.conditions.some((c) => c.lookup)) return checkConditions(wf, cel, this.deps.conditionStats);
    const run = { exec: state.exec, lease: state.lease, outputs: state.outputs, cel, signal: state.signal };
    return checkConditionsWithLookups(wf, cel, this.deps.conditionStats, (_condition, lookup) => performLookup(this.deps, run, lookup));
  }

  /**
   * Runs one step to its checkpoint, or to what its failure means (afterFailure). When `last`, a
   * successful checkpoint also ends the execution in the same transaction (one commit less).
   */
  private async runStep(state: RunState, step: CompiledStep, last: boolean): Promise<StepOutcome> {
    const base: StepBase = { executionId: state.exec.id, stepId: step.definition.id, attempt: state.lease.attempt, startedAt: this.deps.clock.now() };
    if (step.mode === 'async' && state.exec.kind === 'workflow') {
      await this.enqueueAsync(state, step, base);
      return { kind: 'checkpointed', status: 'enqueued' };
    }
    if (step.when) {
      const cel = this.celContext(state, (await this.currentData(state.exec, state.change)) ?? {});
      if (!evaluatesTrue(step.when, cel, step.definition.id)) {
        await this.checkpoint(state, { ...base, status: 'skipped', output: { reason: `when is false: ${step.when.source}` }, error: null, finishedAt: this.deps.clock.now() });
        return { kind: 'checkpointed', status: 'skipped' };
      }
    }
    const failure = await this.attempt(state, step, base, step.definition.id, last);
    const succeeded: StepOutcome = last ? { kind: 'ended' } : { kind: 'checkpointed', status: 'succeeded' };
    if (!failure) return succeeded;
    const failedAttempt = (await this.deps.store.listAttempts(state.exec.id)).filter((a) => a.stepId === step.definition.id).length;
    const next = afterFailure(step, failure, failedAttempt, this.deps.clock.now(), this.deps.random ?? Math.random);
    if (next.kind === 'retry') return next;
    for (const fallback of step.fallbacks) {
      if (!(await this.attempt(state, fallback, base, fallback.definition.id, last))) return succeeded;
    }
    await this.checkpoint(state, { ...base, status: 'failed', output: null, error: `${failure.code}: ${failure.message}`, finishedAt: this.deps.clock.now() });
    return { kind: 'failed', ...stepFailure(step, failure, failedAttempt) };
  }

  /**
   * Runs one action (the step's own, or a fallback) once. On success it checkpoints the step and
   * returns undefined; on failure it records the attempt and returns how it failed.
   */
  private async attempt(state: RunState, step: CompiledStep, base: StepBase, key: string, last: boolean): Promise<FailureClass | undefined> {
    const startedAt = this.deps.clock.now();
    const via: Record<string, Json> = key === base.stepId ? {} : { via: key };
    try {
      if (step.action.kind === 'data') {
        const output = await this.applyDataStep(state, step, base, key, last);
        state.outputs[base.stepId] = output;
        this.deps.events.emit('step:finished', state.exec, { ...base, status: 'succeeded', output, error: null, finishedAt: this.deps.clock.now() });
        return undefined;
      }
      const cel = this.celContext(state, (await this.currentData(state.exec, state.change)) ?? {});
      const call = await callExternal(this.deps, step.action, step.compiled, this.stepContext(state, key, cel), step.timeoutMs);
      if (call.ok) {
        const output: Json = { ...via, result: call.result, ...(call.fromLedger ? { ledger: true } : {}) };
        const stopped = await this.deps.store.transaction(async (tx) => {
          const stop = await tx.checkLease(state.lease);
          if (!call.fromLedger) {
            await tx.saveEffect({ tenant: state.exec.tenant, key: idempotencyKey(state.exec, key), executionId: state.exec.id, stepId: base.stepId, action: step.action.type, result: call.result, at: this.deps.clock.now() });
          }
          await tx.saveStep({ ...base, status: 'succeeded', output, error: null, finishedAt: this.deps.clock.now() });
          if (last) return void (await this.finishIn(tx, state)); // done: nothing left to stop
          return stop && (await this.stopIn(tx, state, stop));
        });
        state.outputs[base.stepId] = output;
        this.deps.events.emit('step:finished', state.exec, { ...base, status: 'succeeded', output: call.result, error: null, finishedAt: this.deps.clock.now() });
        if (stopped) throw new Stopped(stopped);
        return undefined;
      }
      await this.recordAttempt(state, base, step, call.failure, startedAt);
      return call.failure;
    } catch (error) {
      if (error instanceof StaleLeaseError || error instanceof Requeue || error instanceof Stopped || (isSwitchyardError(error) && error.retryable)) throw error;
      const failure = isSwitchyardError(error)
        ? { retryable: false, code: error.code, message: error.message }
        : classifyFailure(error);
      await this.recordAttempt(state, base, step, failure, startedAt);
      return failure;
    }
  }

  private async recordAttempt(state: RunState, base: StepBase, step: CompiledStep, failure: FailureClass, startedAt: number): Promise<void> {
    const stopped = await this.deps.store.transaction(async (tx) => {
      const stop = await tx.checkLease(state.lease);
      await tx.recordAttempt({
        executionId: state.exec.id, stepId: base.stepId, attempt: state.lease.attempt, action: step.action.type,
        error: failure.message, code: failure.code, retryable: failure.retryable, startedAt, finishedAt: this.deps.clock.now(),
      });
      // Asked to stop: the failed try is recorded; a resumed execution retries it as it would have.
      return stop && (await this.stopIn(tx, state, stop));
    });
    if (stopped) throw new Stopped(stopped);
  }

  /** Carries out a stop request inside the transaction that learnt of it (stop.ts). */
  private async stopIn(tx: StoreTx, state: RunState, stop: StopRequest, requeued?: Requeued): Promise<ExecutionUpdate> {
    const update = stoppedUpdate(stop, this.deps.clock.now(), requeued);
    await tx.finishExecution(state.lease, update);
    return update;
  }

  /** Plans and applies a data step's writes with its checkpoint, in one transaction. */
  private async applyDataStep(state: RunState, step: CompiledStep, base: StepBase, key: string, last: boolean): Promise<Json> {
    if (step.action.kind !== 'data') throw new Error('not a data step');
    const action = step.action;
    const { exec } = state;
    for (let retry = 0; ; retry++) {
      const catalog = this.deps.catalog.cached(exec.tenant) ?? (await this.deps.catalog.forTenant(exec.tenant));
      try {
        const { value: outcome, outbox } = await transact(this.deps.store, async (tx, outbox): Promise<{ output: Json } | { stopped: ExecutionUpdate }> => {
          const stop = await tx.checkLease(state.lease);
          // Asked to stop before this step's writes: none are made (on resume the step runs then).
          if (stop) return { stopped: await this.stopIn(tx, state, stop) };
          const current = await tx.getRecordForUpdate(exec.tenant, exec.recordType, exec.recordId);
          const cel = this.celContext(state, current?.data ?? state.change?.before ?? {});
          const writes = action.plan(step.compiled, this.stepContext(state, key, cel));
          const results: Json[] = [];
          for (const write of writes) {
            const common = { tenant: exec.tenant, type: write.type, ...writeOrigin(exec, key) };
            const result = await applyWrite(tx, catalog,
              write.kind === 'create' ? { ...common, op: 'create', id: write.id ?? idempotencyKey(exec, key), data: write.data }
              : write.kind === 'update' ? { ...common, op: 'patch', id: write.id, data: write.patch }
              : { ...common, op: 'delete', id: write.id },
              this.deps.writeDeps, outbox);
            results.push({ kind: write.kind, type: write.type, id: result.record?.id ?? write.id ?? null, change: result.change?.id ?? null, version: result.record?.version ?? null });
          }
          const output: Json = { ...(key === base.stepId ? {} : { via: key }), writes: results };
          await tx.saveStep({ ...base, status: 'succeeded', output, error: null, finishedAt: this.deps.clock.now() });
          if (last) await this.finishIn(tx, state);
          return { output };
        });
        // The outbox wakes workers (in every process) only when the writes queued executions: a
        // wake-up that finds nothing new costs each worker a claim round trip.
        await outbox.flush(this.deps);
        if ('stopped' in outcome) throw new Stopped(outcome.stopped);
        return outcome.output;
      } catch (error) {
        if (!(error instanceof CatalogStaleError) || retry >= 5) throw error;
        await this.deps.catalog.forTenant(exec.tenant, true);
      }
    }
  }

  /** An async step becomes its own durable job in the record's lane; the workflow goes on. */
  private async enqueueAsync(state: RunState, step: CompiledStep, base: StepBase): Promise<void> {
    const { exec } = state;
    const jobId = idempotencyKey(exec, step.definition.id);
    const now = this.deps.clock.now();
    const row: StepRow = { ...base, status: 'enqueued', output: { job: jobId }, error: null, finishedAt: now };
    const stopped = await this.deps.store.transaction(async (tx) => {
      const stop = await tx.checkLease(state.lease);
      if (stop) return this.stopIn(tx, state, stop); // the job is not queued; on resume this step runs again
      await tx.insertExecutions([{
        id: jobId, tenant: exec.tenant, kind: 'step', workflowId: exec.workflowId, version: exec.version, triggerKey: exec.triggerKey, occurrenceKind: exec.occurrenceKind,
        stepId: step.definition.id, parentId: exec.id, recordType: exec.recordType, recordId: exec.recordId, lane: exec.lane,
        runAt: now, rootChangeId: exec.rootChangeId, depth: exec.depth, input: exec.input, createdAt: now,
      }]);
      await tx.saveStep(row);
      return undefined;
    });
    if (stopped) throw new Stopped(stopped);
    this.deps.events.emit('step:finished', exec, row);
    await this.deps.store.notifyQueued();
  }

  private async checkpoint(state: RunState, row: StepRow): Promise<void> {
    const stopped = await this.deps.store.transaction(async (tx) => {
      const stop = await tx.checkLease(state.lease);
      await tx.saveStep(row);
      // A step that failed for good dead-letters the execution next: that outcome stands.
      return stop && row.status !== 'failed' ? this.stopIn(tx, state, stop) : undefined;
    });
    this.deps.events.emit('step:finished', state.exec, row);
    if (stopped) throw new Stopped(stopped);
  }

  private async finish(state: RunState, status: ExecutionStatus, reason: string | null, runAt?: number, waitingOn?: string): Promise<void> {
    const finishedAt = status === 'queued' ? null : this.deps.clock.now();
    const update = await this.deps.store.transaction(async (tx): Promise<ExecutionUpdate> => {
      const queued = { status, reason, finishedAt, runAt, waitingOn };
      if (status !== 'queued') {
        await tx.finishExecution(state.lease, queued);
        return queued;
      }
      // A requeue is a commit like any other: a stop asked meanwhile is carried out instead (stop.ts).
      const stop = await tx.checkLease(state.lease);
      if (stop) return this.stopIn(tx, state, stop, { runAt: runAt ?? this.deps.clock.now(), reason, waitingOn });
      await tx.finishExecution(state.lease, queued);
      return queued;
    });
    await this.afterFinish(state, update.status, update.reason ?? null);
  }

  /** Ends the execution as succeeded inside the transaction of its last checkpoint. */
  private finishIn(tx: StoreTx, state: RunState): Promise<void> {
    return tx.finishExecution(state.lease, { status: 'succeeded', reason: null, finishedAt: this.deps.clock.now() });
  }

  private async afterFinish(state: RunState, status: ExecutionStatus, reason: string | null): Promise<void> {
    this.deps.events.emit('execution:finished', state.exec, status, reason);
    if (status === 'succeeded' && state.wf) await this.deps.breakers.record(state.exec.tenant, `workflow:${state.wf.id}`, true, this.deps.workflowBreaker);
  }

  /**
   * The execution failed for good: it ends `failed` (the dead-letter list), and in the same
   * transaction an alert and an ops task are written, so the failure cannot go unseen.
   */
  private async deadLetter(state: RunState, reason: string, details: { stepId?: string; code: string }): Promise<void> {
    const { exec } = state;
    const now = this.deps.clock.now();
    const alert = deadLetterAlert(exec, reason, details, now);
    const catalog = this.deps.catalog.cached(exec.tenant) ?? (await this.deps.catalog.forTenant(exec.tenant));
    const { outbox } = await transact(this.deps.store, async (tx: StoreTx, outbox) => {
      await tx.finishExecution(state.lease, { status: 'failed', reason, finishedAt: now });
      await tx.insertAlert(alert);
      outbox.deliver(alert);
      await applyWrite(tx, catalog, opsTask(exec, reason, details.stepId), this.deps.writeDeps, outbox);
    });
    this.deps.events.emit('execution:finished', exec, 'failed', reason);
    await outbox.flush(this.deps);
    if (state.wf) await this.deps.breakers.record(exec.tenant, `workflow:${state.wf.id}`, false, this.deps.workflowBreaker);
  }

  private async currentData(exec: ExecutionRow, change: ChangeRow | undefined): Promise<RecordData | undefined> {
    if (change?.operation === 'deleted') return currentRecordData(change, undefined);
    if (exec.recordType === '') return {}; // an occurrence about no record (a schedule's fire): nothing to read
    return (await this.deps.store.getRecord(exec.tenant, exec.recordType, exec.recordId))?.data;
  }

  private celContext(state: RunState, record: RecordData): CelContext {
    return celContextFor(state.exec, state.change, record, state.outputs, this.deps.clock.now());
  }

  private stepContext(state: RunState, key: string, cel: CelContext): StepContext {
    const { exec } = state;
    return {
      tenant: exec.tenant,
      executionId: exec.id,
      stepId: key,
      idempotencyKey: idempotencyKey(exec, key),
      recordType: exec.recordType,
      recordId: exec.recordId,
      cel,
      signal: state.signal,
      connector: (name) => {
        const c = this.deps.connectors(exec.tenant, name);
        if (!c) throw new NonRetryableError(`connector "${name}" is not configured for tenant ${exec.tenant}`, { code: 'CONNECTOR_INVALID' });
        return c;
      },
    };
  }
}

/** A `when` that cannot be evaluated (it reads a field that is not set) is false; one over its budget fails the step. */
function evaluatesTrue(program: { evaluate(context: CelContext): unknown }, cel: CelContext, stepId: string): boolean {
  try {
    return program.evaluate(cel) === true;
  } catch (error) {
    if (error instanceof ExpressionBudgetError) throw new StepFailed(stepId, error.code, `step ${stepId}: when failed: ${error.code}: ${firstLine(error)}`);
    return false;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
