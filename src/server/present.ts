// What the API answers: the store's rows with every time as an ISO 8601 string (UTC, with
// milliseconds). Inside the engine times stay epoch milliseconds from the injected clock
// (domain/types.ts); they become strings here, at the surface, and nowhere else. Durations
// (`durationMs`, `retryAfterMs`) stay numbers of milliseconds.
//
// Each presenter spreads the row first, so a field someone adds to a row reaches the API as it is;
// a new *time* field must be added to its presenter (and to the response schema in api-schemas.ts,
// whose `format: date-time` makes the serializer refuse a number left unconverted).
import type { DeadLetter } from '../services/dead-letters-service.js';
import type { ExecutionDetail } from '../services/executions-service.js';
import type { AlertRow, AttemptRow, BreakerRow, ChangeRow, ExecutionRow, Json, RecordRow, StepRow, WorkflowRow, WorkflowVersionRow } from '../domain/types.js';

/** Epoch ms -> ISO 8601; null stays null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function presentRecord(r: RecordRow): Record<string, unknown> {
  return { type: r.type, id: r.id, version: r.version, data: r.data, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) };
}

export function presentChange(c: ChangeRow): Record<string, unknown> {
  return { ...c, at: iso(c.at) };
}

export function presentExecution(e: ExecutionRow): Record<string, unknown> {
  return { ...e, occurrence: occurrenceOf(e), runAt: iso(e.runAt), leaseUntil: iso(e.leaseUntil), createdAt: iso(e.createdAt), startedAt: iso(e.startedAt), finishedAt: iso(e.finishedAt) };
}

/**
 * The occurrence that started an execution, as a user reads it: its kind and key, and for a
 * schedule's or timer's fire the time it was due (a change id for a record change).
 */
function occurrenceOf(e: ExecutionRow): Record<string, unknown> {
  const payload = (e.input as { payload?: { dueAt?: unknown } } | null)?.payload;
  const due = e.occurrenceKind === 'schedule' || e.occurrenceKind === 'timer' ? payload?.dueAt : undefined;
  return { kind: e.occurrenceKind, key: e.triggerKey, ...(typeof due === 'string' ? { due } : {}) };
}

export function presentStep(s: StepRow): Record<string, unknown> {
  return { ...s, startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt) };
}

export function presentExecutionDetail(e: ExecutionDetail): Record<string, unknown> {
  return { ...presentExecution(e), steps: e.steps.map(presentStep) };
}

export function presentAttempt(a: AttemptRow): Record<string, unknown> {
  return { ...a, startedAt: iso(a.startedAt), finishedAt: iso(a.finishedAt) };
}

export function presentDeadLetter(d: DeadLetter): Record<string, unknown> {
  return { ...presentExecution(d), trigger: d.trigger ? presentChange(d.trigger) : null, steps: d.steps.map(presentStep), attempts: d.attempts.map(presentAttempt) };
}

export function presentWorkflow(w: WorkflowRow): Record<string, unknown> {
  return { ...w, updatedAt: iso(w.updatedAt) };
}

export function presentWorkflowVersion(v: WorkflowVersionRow): Record<string, unknown> {
  return { ...v, createdAt: iso(v.createdAt) };
}

export function presentAlert(a: AlertRow): Record<string, unknown> {
  return { ...a, at: iso(a.at) };
}

/** A breaker's state is the JSON of failures/circuit-breaker.ts; its times are converted too. */
export function presentBreaker(b: BreakerRow): Record<string, unknown> {
  return { ...b, updatedAt: iso(b.updatedAt), state: presentBreakerState(b.state) };
}

function presentBreakerState(state: Json): Json {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return state;
  const out: Record<string, Json> = { ...state };
  for (const key of ['openedAt', 'lastProbeAt'] as const) if (typeof out[key] === 'number') out[key] = iso(out[key]);
  if (Array.isArray(out.history)) out.history = out.history.map((t) => (t && typeof t === 'object' && !Array.isArray(t) && typeof t.at === 'number' ? { ...t, at: iso(t.at) } : t));
  if (Array.isArray(out.buckets)) out.buckets = out.buckets.map((b) => (b && typeof b === 'object' && !Array.isArray(b) && typeof b.start === 'number' ? { ...b, start: iso(b.start) } : b));
  return out;
}
