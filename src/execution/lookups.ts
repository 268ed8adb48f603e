// Performs one lookup condition for the runner: the execution's own checkpoint first (a lookup
// answered once is never called again for this execution, across retries, resumes and replays),
// else the call through the connector layer (external-call.ts: effect ledger, breaker, rate limit,
// timeout; the http connector's SSRF guard), checkpointed as `lookup:<name>` with its effect in one
// fenced transaction. A failure is recorded as an attempt and decided by the step retry rules
// (decide.ts afterLookupFailure); an open breaker or a rate limit requeues without an attempt.
import { NonRetryableError, type FailureClass } from '../failures/action-failures.js';
import type { StepContext } from '../actions/types.js';
import type { CelContext } from '../conditions/cel.js';
import type { CompiledLookup } from '../definitions/compile.js';
import { lookupCheckpointId } from '../definitions/conditions.js';
import type { ExecutionRow, Json, Lease, StepRow } from '../domain/types.js';
import { callExternal, type ExternalCallDeps } from './external-call.js';
import type { LookupAnswer } from './condition-check.js';
import { afterLookupFailure } from './decide.js';
import { idempotencyKey } from './execution-facts.js';

export interface LookupRun {
  exec: ExecutionRow;
  lease: Lease;
  /** The execution's checkpointed outputs by step id, lookups' included; a new answer is added. */
  outputs: Record<string, Json>;
  cel: CelContext;
  signal: AbortSignal;
}

export async function performLookup(deps: ExternalCallDeps & { random?: () => number }, run: LookupRun, lookup: CompiledLookup): Promise<LookupAnswer> {
  const stepId = lookupCheckpointId(lookup.name);
  const cached = Object.hasOwn(run.outputs, stepId) ? run.outputs[stepId] : undefined;
  if (cached !== undefined) return { ok: true, result: answerOf(cached), cached: true };

  const { exec, lease } = run;
  const startedAt = deps.clock.now();
  const call = await callExternal(deps, lookup.action, lookup.request, stepContext(deps, run, stepId), lookup.timeoutMs);
  if (!call.ok) return failed(deps, run, lookup, stepId, call.failure, startedAt);

  const response = call.result as { status?: Json; body?: Json } | null;
  const output: Json = { result: response?.body ?? null, status: response?.status ?? null, ...(call.fromLedger ? { ledger: true } : {}) };
  const row: StepRow = { executionId: exec.id, stepId, attempt: lease.attempt, startedAt, status: 'succeeded', output, error: null, finishedAt: deps.clock.now() };
  await deps.store.transaction(async (tx) => {
    await tx.checkLease(lease);
    if (!call.fromLedger) {
      await tx.saveEffect({ tenant: exec.tenant, key: idempotencyKey(exec, stepId), executionId: exec.id, stepId, action: lookup.action.type, result: call.result, at: row.finishedAt });
    }
    await tx.saveStep(row);
  });
  run.outputs[stepId] = output;
  deps.events.emit('step:finished', exec, row);
  return { ok: true, result: answerOf(output), cached: false };
}

/** What `result` and `lookups.<name>` are: the response body kept in the checkpoint. */
export function answerOf(output: Json): Json {
  return (output as { result?: Json } | null)?.result ?? null;
}

async function failed(deps: ExternalCallDeps & { random?: () => number }, run: LookupRun, lookup: CompiledLookup, stepId: string, failure: FailureClass, startedAt: number): Promise<LookupAnswer> {
  const { exec, lease } = run;
  await deps.store.transaction(async (tx) => {
    await tx.checkLease(lease);
    await tx.recordAttempt({
      executionId: exec.id, stepId, attempt: lease.attempt, action: lookup.action.type,
      error: failure.message, code: failure.code, retryable: failure.retryable, startedAt, finishedAt: deps.clock.now(),
    });
  });
  const failedAttempt = (await deps.store.listAttempts(exec.id)).filter((a) => a.stepId === stepId).length;
  const move = afterLookupFailure(lookup, stepId, failure, failedAttempt, deps.clock.now(), deps.random ?? Math.random);
  if (move.kind === 'retry') return { ok: false, outcome: { pass: false, reason: move.reason, retryAt: move.runAt } };
  return { ok: false, outcome: { pass: false, reason: move.reason, failure: { stepId: move.stepId, code: move.code } } };
}

function stepContext(deps: ExternalCallDeps, run: LookupRun, stepId: string): StepContext {
  const { exec } = run;
  return {
    tenant: exec.tenant,
    executionId: exec.id,
    stepId,
    idempotencyKey: idempotencyKey(exec, stepId),
    recordType: exec.recordType,
    recordId: exec.recordId,
    cel: run.cel,
    signal: run.signal,
    connector: (name) => {
      const c = deps.connectors(exec.tenant, name);
      if (!c) throw new NonRetryableError(`connector "${name}" is not configured for tenant ${exec.tenant}`, { code: 'CONNECTOR_INVALID' });
      return c;
    },
  };
}
