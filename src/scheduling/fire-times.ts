// When a time trigger fires: the next fire of a schedule (croner for cron patterns, fixed
// intervals counted from the epoch so every process agrees), and the due time of a relative-date
// timer for a record as it is now. Pure: time comes in as an argument.
import { Cron } from 'croner';
import type { CompiledDateTimer, CompiledSchedule } from '../definitions/time-trigger.js';
import type { Json } from '../domain/types.js';
import { addDays, dateOnly, localParts, zonedInstant } from './zoned-time.js';

const crons = new Map<string, Cron>();

function cronFor(pattern: string, timezone: string): Cron {
  const key = `${timezone} ${pattern}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(pattern, { paused: true, timezone });
    if (crons.size > 1000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/**
 * The first fire strictly after `after` (epoch ms), or undefined when the pattern has no more
 * (croner accepts patterns such as "0 0 30 2 *" that never match). Croner handles DST the way
 * cron users expect: a time in the gap fires right after it, one in the repeated hour once.
 */
export function nextFire(spec: CompiledSchedule, after: number): number | undefined {
  if (spec.everyMs !== undefined) return (Math.floor(after / spec.everyMs) + 1) * spec.everyMs;
  const next = cronFor(spec.cron as string, spec.timezone).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}

/** The key of one fire, the same in every process: "<source>@<ISO due time>". */
export function fireKey(source: string, dueAt: number): string {
  return `${source}@${new Date(dueAt).toISOString()}`;
}

export type TimerDue = { dueAt: number; anchor: string } | { cancelled: string };

/**
 * When a record's timer is due: its anchor (a date field, or its creation) moved by the offset;
 * with `at`, at that local time of the day it lands on. A date-only value ("2026-03-15") is that
 * day in the trigger's zone. No anchor (the field is empty): no timer, and why.
 */
export function timerDue(t: CompiledDateTimer, record: { data: Record<string, Json>; createdAt: number }): TimerDue {
  let anchorText: string;
  let anchorInstant: number | undefined;
  if ('created' in t.anchor) {
    anchorInstant = record.createdAt;
    anchorText = new Date(record.createdAt).toISOString();
  } else {
    const value = record.data[t.anchor.field];
    if (typeof value !== 'string' || value === '') return { cancelled: `${t.anchor.field} was cleared` };
    anchorText = value;
    if (!dateOnly(value)) {
      anchorInstant = Date.parse(value);
      if (Number.isNaN(anchorInstant)) return { cancelled: `${t.anchor.field} is not a date: ${JSON.stringify(value)}` };
    }
  }
  const day = dateOnly(anchorText) ?? localParts(anchorInstant as number, t.timezone);
  if ('ms' in t.offset) {
    const start = anchorInstant ?? zonedInstant(day, { hour: 0, minute: 0 }, t.timezone);
    return { dueAt: start + t.offset.ms, anchor: anchorText };
  }
  const target = addDays(day, t.offset.days);
  if (t.at) return { dueAt: zonedInstant(target, t.at, t.timezone), anchor: anchorText };
  // No time of day given: the anchor's own (midnight for a date-only anchor), on the moved day.
  const time = anchorInstant === undefined ? { hour: 0, minute: 0 } : localParts(anchorInstant, t.timezone);
  return { dueAt: zonedInstant(target, time, t.timezone), anchor: anchorText };
}
