// What to do with a schedule's due fires, or one timer's, when the scheduler gets to them: the
// missed-fire policy as a pure decision. A fire handled within ON_TIME_MS of its due time is on
// time and runs whatever the policy. Older fires were missed (the engine was down or behind):
// `skip` runs none of them, `once` (the default) runs only the latest, `all` runs them all up to
// CATCH_UP_CAP. Every fire that does not run is returned with its reason, to be recorded.
import type { MissedFirePolicy } from '../domain/time-triggers.js';

/** A fire handled later than this after its due time counts as missed. */
export const ON_TIME_MS = 60_000;
/** `missed: all` runs at most this many missed fires of one schedule at once; older ones are skipped. */
export const CATCH_UP_CAP = 100;
/** Due fires enumerated one by one per decision; beyond, the rest are recorded as one range. */
export const ENUMERATION_LIMIT = 1000;

export interface SkippedFire {
  dueAt: number;
  reason: string;
}

export interface FireDecision {
  /** Fire times to run now, oldest first. */
  run: number[];
  skip: SkippedFire[];
  /** Fires past the enumeration limit, not listed one by one: recorded as one row for the range. */
  skippedRange?: { from: number; to: number; count: number };
  /** The next fire not handled by this decision (undefined: the schedule has no more). */
  next: number | undefined;
}

/**
 * Decides a schedule's due fires, from `nextFireAt` (due) up to `now`. `nextAfter` is the
 * schedule's fire-time function (scheduling/fire-times.ts nextFire).
 */
export function decideScheduleFires(
  policy: MissedFirePolicy, nextFireAt: number, now: number, nextAfter: (t: number) => number | undefined,
): FireDecision {
  const due: number[] = [];
  let next: number | undefined = nextFireAt;
  while (next !== undefined && next <= now && due.length < ENUMERATION_LIMIT) {
    due.push(next);
    next = nextAfter(next);
  }
  let skippedRange: FireDecision['skippedRange'];
  if (next !== undefined && next <= now) {
    // Far behind (a 1 s schedule after a day down): count the rest without keeping each.
    const from = next;
    let count = 0;
    let last = next;
    while (next !== undefined && next <= now && count < 10_000_000) {
      last = next;
      count++;
      next = nextAfter(next);
    }
    skippedRange = { from, to: last, count };
  }
  const onTime = due.filter((t) => now - t <= ON_TIME_MS);
  const late = due.filter((t) => now - t > ON_TIME_MS);
  const keep = new Set<number>(onTime);
  const extra: number[] = [];
  if (policy === 'once' && onTime.length === 0) {
    // The latest missed fire runs: past the listed ones when the rest were only counted.
    if (skippedRange) {
      extra.push(skippedRange.to);
      skippedRange = skippedRange.count > 1 ? { ...skippedRange, count: skippedRange.count - 1 } : undefined;
    } else if (late.length > 0) keep.add(late[late.length - 1] as number);
  }
  if (policy === 'all') for (const t of late) keep.add(t);
  const ordered = [...keep, ...extra].sort((a, b) => a - b);
  const run = ordered.slice(Math.max(0, ordered.length - CATCH_UP_CAP));
  const running = new Set(run);
  const skip = due.filter((t) => !running.has(t)).map((t) => ({ dueAt: t, reason: reasonFor(policy, t, keep.has(t)) }));
  return { run, skip, skippedRange, next };
}

/** A one-shot timer due at `dueAt`: run it, or (policy skip, and it was missed) skip it with why. */
export function decideTimerFire(policy: MissedFirePolicy, dueAt: number, now: number): { run: true } | { run: false; reason: string } {
  if (policy === 'skip' && now - dueAt > ON_TIME_MS) return { run: false, reason: `missed by ${Math.round((now - dueAt) / 1000)} s; policy skip` };
  return { run: true };
}

function reasonFor(policy: MissedFirePolicy, _t: number, keptButCapped: boolean): string {
  if (keptButCapped) return `missed; policy all runs at most the latest ${CATCH_UP_CAP}`;
  if (policy === 'skip') return 'missed; policy skip runs no missed fire';
  return 'missed; policy once runs only the latest missed fire';
}
