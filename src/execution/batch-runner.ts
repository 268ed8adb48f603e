// Batched execution: a claimed batch is loaded in a few queries, decided by the pure core, and the
// executions that end in this run without an outside call (a skip, or conditions then one data
// step) commit together in ONE transaction, set-based where the store allows (records locked in
// one statement, steps and finishes fenced in one). If anything in it fails, it is redone with a
// savepoint per execution, so one that fails (a throwing step, a stolen lease) is rolled back alone
// and the others commit. Everything else (outside calls, async steps, several steps, retries, breakers that
// are not closed) and every execution whose savepoint failed goes to the one-at-a-time runner,
// which owns failure handling: the batch never decides a failure, it only hands work on.
import type { DataAction } from '../actions/types.js';
import type { CompiledStep, CompiledWorkflow } from '../definitions/compile.js';
import { StaleLeaseError } from '../errors.js';
import type { TenantCatalog } from '../services/catalog.js';
import { applyWrite, Outbox } from '../services/intake.js';
import type { ExecutionContextRow, StoreTx } from '../store/port.js';
import type { ExecutionRow, Json, Lease, StepRow } from '../domain/types.js';
import { checkConditions, type ConditionOutcome } from './condition-check.js';
import { idempotencyKey } from './execution-facts.js';
import { nextMove } from './decide.js';
import { celContextFor, currentRecordData, stepOutputs, writeCommandFor } from './run-context.js';
import type { ExecutionRunner, Preloaded, RunnerDeps } from './runner.js';

/**
 * The embedded store has one connection: a user's write waits for the transaction in progress, so
 * there a batch commits in transactions of at most this many executions (about 2 ms each here),
 * keeping API write latency low (invariant 3). PostgreSQL commits the whole batch at once.
 */
const EMBEDDED_COMMIT_SIZE = 8;

/** An execution the batch can end in its one transaction. */
type Planned =
  | { kind: 'skip'; exec: ExecutionRow; wf: CompiledWorkflow; reason: string }
  | { kind: 'data'; exec: ExecutionRow; wf: CompiledWorkflow; ctx: ExecutionContextRow; step: CompiledStep; action: DataAction };

/** An execution the runner takes, with what the batch already loaded and decided for it. */
interface HandedOn {
  kind: 'runner';
  exec: ExecutionRow;
  loaded?: Preloaded;
}

/** What one execution's savepoint committed, announced once the transaction is durable. */
interface Committed {
  planned: Planned;
  step?: StepRow;
  /** Its savepoint's after-commit work (wake-ups, loop alerts), flushed once for the whole batch. */
  outbox: Outbox;
}

export class BatchRunner {
  constructor(private readonly deps: RunnerDeps, private readonly runner: ExecutionRunner) {}

  /**
   * Runs a claimed batch to its outcomes. Never throws: what it cannot do goes to the runner.
   * `committed` is called once the batch's own transaction is over (before the executions it
   * handed to the runner are done), so the worker can claim the next batch while outside calls run.
   */
  async run(execs: ExecutionRow[], signal: AbortSignal, committed: () => void = () => undefined): Promise<void> {
    let contexts: Map<string, ExecutionContextRow>;
    try {
      contexts = await this.deps.store.loadExecutionContexts(execs);
    } catch {
      committed();
      return this.runEach(execs, signal);
    }
    const planned: Planned[] = [];
    const alone: HandedOn[] = [];
    for (const exec of execs) {
      const context = contexts.get(exec.id);
      const plan = await this.plan(exec, context).catch((): HandedOn => ({ kind: 'runner', exec }));
      if (plan.kind === 'runner') alone.push(plan);
      else planned.push(plan);
    }
    // The ones that need the runner start now (other lanes than the batch's: a claim never holds
    // two executions of one lane), beside the commit, with what was loaded and decided for them.
    const aloneDone = Promise.all(alone.map((h) => this.runner.run(h.exec, signal, h.loaded)));
    const leftovers: ExecutionRow[] = [];
    try {
      for (const chunk of chunks(planned, this.deps.store.capabilities.multiProcess ? planned.length : EMBEDDED_COMMIT_SIZE)) {
        leftovers.push(...(await this.commit(chunk)));
      }
    } finally {
      committed();
    }
    await Promise.all([aloneDone, this.runEach(leftovers, signal)]);
  }

  private runEach(execs: ExecutionRow[], signal: AbortSignal): Promise<void> {
    return Promise.all(execs.map((e) => this.runner.run(e, signal))).then(() => undefined);
  }

  /** The batch's part of an execution, or a hand-over to the runner with what was loaded and decided. */
  private async plan(exec: ExecutionRow, ctx: ExecutionContextRow | undefined): Promise<Planned | HandedOn> {
    if (!ctx) return { kind: 'runner', exec };
    const handOn = (conditions?: ConditionOutcome): HandedOn => ({ kind: 'runner', exec, loaded: { context: ctx, conditions } });
    // An execution without a record (recordType '') has no record to decide on here: the runner's.
    if (exec.kind !== 'workflow' || exec.recordType === '') return handOn();
    const wf = await this.deps.catalog.version(exec.tenant, exec.workflowId, exec.version);
    // A lookup condition calls out: never inside the batch's transaction, so the runner checks them all.
    if (wf.conditions.some((c) => c.lookup)) return handOn();
    // Waiting on an open breaker and running its probes are the runner's job.
    if (!(await this.deps.breakers.isClosed(exec.tenant, `workflow:${wf.id}`, this.deps.workflowBreaker))) return handOn();
    const input = { kind: exec.kind, stepId: exec.stepId, steps: wf.steps, checkpoints: ctx.steps, now: this.deps.clock.now() };
    let move = nextMove(input);
    let conditions: ConditionOutcome | undefined;
    if (move.kind === 'check-conditions') {
      const data = currentRecordData(ctx.change, ctx.record?.data);
      if (!data) return { kind: 'skip', exec, wf, reason: 'the record no longer exists' };
      const cel = celContextFor(exec, ctx.change, data, stepOutputs(ctx.parentSteps, ctx.steps), this.deps.clock.now());
      conditions = checkConditions(wf, cel, this.deps.conditionStats);
      move = nextMove({ ...input, conditions });
    }
    if (move.kind === 'skip') return { kind: 'skip', exec, wf, reason: move.reason };
    if (move.kind !== 'run-step' || !move.last) return handOn(conditions);
    const { step } = move;
    if (step.action.kind !== 'data' || step.mode !== 'sync' || step.when || (ctx.failedAttempts[step.definition.id] ?? 0) > 0) return handOn(conditions);
    return { kind: 'data', exec, wf, ctx, step, action: step.action };
  }

  /**
   * One transaction for the whole batch. Tried first without savepoints: when nothing fails (the
   * common case) no savepoint statement is spent. If anything fails, that transaction rolls back
   * whole and the batch is committed again with a savepoint per execution, so only the failing
   * ones are left out. Returns the executions the batch could not commit, for the runner to run
   * alone; the rest are committed and announced.
   */
  private async commit(planned: Planned[]): Promise<ExecutionRow[]> {
    if (planned.length === 0) return [];
    // A stable lock order (by lane: the record) keeps two batches from deadlocking on each other.
    planned.sort((a, b) => (a.exec.lane < b.exec.lane ? -1 : a.exec.lane > b.exec.lane ? 1 : 0));
    const catalogs = new Map<string, TenantCatalog>();
    for (const p of planned) {
      if (p.kind === 'data' && !catalogs.has(p.exec.tenant)) {
        catalogs.set(p.exec.tenant, this.deps.catalog.cached(p.exec.tenant) ?? (await this.deps.catalog.forTenant(p.exec.tenant)));
      }
    }
    const whole = await this.commitWhole(planned, catalogs);
    if (whole) {
      await this.announce(whole);
      return [];
    }
    return this.commitIsolated(planned, catalogs);
  }

  /**
   * The whole batch, set-based where it can be: the records are locked in one statement (kept for
   * the transaction, so the write path's reads cost nothing), their updates and changes are sent
   * together before commit (write-behind, where the store offers it), and the steps and finishes of
   * every data step are written by one fenced completeSteps at the end. A lease that is no longer held
   * leaves its execution out of completeSteps: then the whole transaction is undone and the batch
   * goes to the savepoint path, where that execution alone is dropped.
   */
  private async commitWhole(planned: Planned[], catalogs: Map<string, TenantCatalog>): Promise<Committed[] | undefined> {
    try {
      return await this.deps.store.transaction(async (tx) => {
        const committed: Committed[] = []; // a retried transaction starts afresh
        await tx.lockRecords(planned.filter((p) => p.kind === 'data').map((p) => ({ tenant: p.exec.tenant, type: p.exec.recordType, id: p.exec.recordId })));
        // Where the store can (PostgreSQL), record updates and change rows go out set-based at commit.
        tx.deferWrites?.();
        for (const p of planned) committed.push(await this.apply(tx, p, catalogs, 'deferred'));
        const items = committed.flatMap((c) => (c.step ? [{ lease: leaseOf(c.planned.exec), step: c.step, finishedAt: c.step.finishedAt }] : []));
        const completed = await tx.completeSteps(items);
        if (completed.length !== items.length) throw new Error('a lease of the batch is no longer held: redo it with savepoints');
        return committed;
      });
    } catch {
      return undefined;
    }
  }

  private async commitIsolated(planned: Planned[], catalogs: Map<string, TenantCatalog>): Promise<ExecutionRow[]> {
    let committed: Committed[] = [];
    let leftovers: ExecutionRow[] = [];
    try {
      await this.deps.store.transaction(async (tx) => {
        committed = []; // a retried transaction starts afresh
        leftovers = [];
        for (const p of planned) {
          try {
            committed.push(await tx.savepoint(() => this.apply(tx, p, catalogs)));
          } catch (error) {
            // A stolen lease: another worker owns it now, so it is not ours to run at all.
            if (error instanceof StaleLeaseError) this.deps.events.emit('lease:lost', p.exec.id);
            else leftovers.push(p.exec);
          }
        }
      });
    } catch {
      return planned.map((p) => p.exec); // nothing committed: each runs alone, with its own error handling
    }
    await this.announce(committed);
    return leftovers;
  }

  /**
   * One execution's writes. 'now' checkpoints and finishes it here (fenced); 'deferred' leaves
   * both to the caller's completeSteps for the whole batch.
   */
  private async apply(tx: StoreTx, p: Planned, catalogs: Map<string, TenantCatalog>, finish: 'now' | 'deferred' = 'now'): Promise<Committed> {
    const lease = leaseOf(p.exec);
    const now = this.deps.clock.now();
    if (p.kind === 'skip') {
      await tx.finishExecution(lease, { status: 'skipped', reason: p.reason, finishedAt: now });
      return { planned: p, outbox: new Outbox() };
    }
    const { exec, ctx, step, action } = p;
    const key = step.definition.id;
    // No lease check up front: the fenced finish below throws StaleLeaseError for a lease that is no
    // longer held, and that rolls back everything this execution wrote (its savepoint, or the whole
    // transaction, which is then redone with savepoints).
    const current = await tx.getRecordForUpdate(exec.tenant, exec.recordType, exec.recordId);
    const cel = celContextFor(exec, ctx.change, current?.data ?? ctx.change?.before ?? {}, stepOutputs(ctx.parentSteps, ctx.steps), now);
    const writes = action.plan(step.compiled, {
      tenant: exec.tenant, executionId: exec.id, stepId: key, idempotencyKey: idempotencyKey(exec, key),
      recordType: exec.recordType, recordId: exec.recordId, cel, signal: new AbortController().signal,
      connector: () => { throw new Error('a data step uses no connector'); },
    });
    const results: Json[] = [];
    const outbox = new Outbox();
    for (const write of writes) {
      const result = await applyWrite(tx, catalogs.get(exec.tenant) as TenantCatalog, writeCommandFor(exec, key, write), this.deps.writeDeps, outbox);
      results.push({ kind: write.kind, type: write.type, id: result.record?.id ?? write.id ?? null, change: result.change?.id ?? null, version: result.record?.version ?? null });
    }
    const row: StepRow = { executionId: exec.id, stepId: key, attempt: exec.attempt, startedAt: now, status: 'succeeded', output: { writes: results }, error: null, finishedAt: now };
    if (finish === 'now') {
      await tx.saveStep(row);
      await tx.finishExecution(lease, { status: 'succeeded', reason: null, finishedAt: now });
    }
    return { planned: p, step: row, outbox };
  }

  /** After commit: wake workers once, deliver alerts, tell observers, feed the workflow breakers. */
  private async announce(committed: Committed[]): Promise<void> {
    const outbox = new Outbox();
    for (const c of committed) outbox.absorb(c.outbox);
    await outbox.flush(this.deps);
    for (const c of committed) {
      const { exec, wf } = c.planned;
      if (c.step) this.deps.events.emit('step:finished', exec, c.step);
      const status = c.planned.kind === 'skip' ? 'skipped' : 'succeeded';
      this.deps.events.emit('execution:finished', exec, status, c.planned.kind === 'skip' ? c.planned.reason : null);
      if (status === 'succeeded') await this.deps.breakers.record(exec.tenant, `workflow:${wf.id}`, true, this.deps.workflowBreaker);
    }
  }
}

function leaseOf(exec: ExecutionRow): Lease {
  return { executionId: exec.id, attempt: exec.attempt };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
