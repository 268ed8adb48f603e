// Deploy-time checks and resolution of the time triggers (`on: schedule`, `on: date`): a cron
// pattern croner rejects, an unknown time zone, an offset on a field that is not a date, or keys
// that do not belong to the trigger are deploy errors naming the path. What passes is resolved
// once (durations in ms, the cron pattern checked) into a CompiledTimeTrigger the scheduler reads.
import { Cron } from 'croner';
import { parseDuration } from '../clock.js';
import type { CelProgram, CelScope } from '../conditions/cel.js';
import type { FieldProblem } from '../errors.js';
import type { MissedFirePolicy } from '../domain/time-triggers.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import type { Trigger } from '../domain/workflow.js';
import { fieldSpec } from '../records/object-types.js';

export interface CompiledSchedule {
  kind: 'schedule';
  /** A cron pattern (croner: 5 fields, or 6 with seconds first), or a fixed interval in ms. */
  cron?: string;
  everyMs?: number;
  timezone: string;
  missed: MissedFirePolicy;
  /** Once per record of the workflow's object matching `where` (a bool CEL program), or once per fire. */
  forEach?: { object: string; where?: CelProgram };
}

export interface CompiledDateTimer {
  kind: 'date';
  /** The anchor: a datetime field's value, or the record's creation time. */
  anchor: { field: string } | { created: true };
  /** Signed; whole days move the local date (so `at` stays the local time across DST). */
  offset: { days: number } | { ms: number };
  /** Local HH:MM in timezone; absent: the anchor instant plus the offset. */
  at?: { hour: number; minute: number };
  timezone: string;
  missed: MissedFirePolicy;
}

export type CompiledTimeTrigger = CompiledSchedule | CompiledDateTimer;

const SCHEDULE_KEYS = ['cron', 'every', 'timezone', 'missed', 'for_each'] as const;
const DATE_KEYS = ['object', 'field', 'after', 'offset', 'at', 'timezone', 'missed'] as const;
const ALL_TIME_KEYS = new Set<string>([...SCHEDULE_KEYS, ...DATE_KEYS].filter((k) => k !== 'field'));

/** Whether the time zone is one the runtime knows (IANA names; "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Time-trigger keys on a record trigger, which would be ignored: each is a problem. */
export function strayTimeKeys(trigger: Trigger): FieldProblem[] {
  return Object.keys(trigger).filter((k) => ALL_TIME_KEYS.has(k) && (trigger as Record<string, unknown>)[k] !== undefined)
    .map((k) => ({ path: `/trigger/${k}`, message: `"${k}" only applies to on: schedule or on: date` }));
}

/** Checks a time trigger and resolves it; problems name their path under /trigger. */
export function compileTimeTrigger(trigger: Trigger, type: ObjectTypeSpec, scope: CelScope): { compiled?: CompiledTimeTrigger; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const allowed: readonly string[] = trigger.on === 'schedule' ? SCHEDULE_KEYS : DATE_KEYS;
  for (const [k, v] of Object.entries(trigger)) {
    if (k !== 'on' && v !== undefined && !allowed.includes(k)) problems.push({ path: `/trigger/${k}`, message: `"${k}" does not apply to on: ${trigger.on}` });
  }
  const timezone = trigger.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) problems.push({ path: '/trigger/timezone', message: `unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin or America/New_York)` });
  const missed = trigger.missed ?? 'once';
  const compiled = trigger.on === 'schedule'
    ? schedule(trigger, type, scope, timezone, missed, problems)
    : dateTimer(trigger, type, timezone, missed, problems);
  return problems.length > 0 ? { problems } : { compiled, problems };
}

function schedule(t: Trigger, type: ObjectTypeSpec, scope: CelScope, timezone: string, missed: MissedFirePolicy, problems: FieldProblem[]): CompiledSchedule | undefined {
  if ((t.cron === undefined) === (t.every === undefined)) {
    problems.push({ path: '/trigger', message: 'on: schedule needs exactly one of cron or every' });
    return undefined;
  }
  let everyMs: number | undefined;
  if (t.every !== undefined) {
    everyMs = parseDuration(t.every);
    if (everyMs < 1000 || everyMs % 1000 !== 0) problems.push({ path: '/trigger/every', message: `"${t.every}" is not a whole number of seconds of at least 1s` });
  }
  if (t.cron !== undefined) {
    const fields = t.cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) problems.push({ path: '/trigger/cron', message: `invalid cron "${t.cron}": give 5 fields (minute hour day month weekday) or 6 with seconds first` });
    else {
      try {
        new Cron(t.cron, { paused: true, timezone: isTimeZone(timezone) ? timezone : undefined });
      } catch (error) {
        problems.push({ path: '/trigger/cron', message: `invalid cron "${t.cron}": ${(error as Error).message.replace(/^CronPattern: /, '')}` });
      }
    }
  }
  let forEach: CompiledSchedule['forEach'];
  if (t.for_each) {
    if (t.for_each.object !== type.name) problems.push({ path: '/trigger/for_each/object', message: `for_each.object must be the workflow's object (${type.name}): its conditions and actions read that type` });
    let where: CelProgram | undefined;
    if (t.for_each.where !== undefined) {
      const result = scope.compile(t.for_each.where);
      if (!result.ok) problems.push({ path: '/trigger/for_each/where', message: `invalid CEL: ${result.error}` });
      else if (result.program.resultType !== 'bool' && result.program.resultType !== 'dyn') problems.push({ path: '/trigger/for_each/where', message: `where must be a bool expression, this one returns ${result.program.resultType}` });
      else where = result.program;
    }
    forEach = { object: t.for_each.object, where };
  }
  return { kind: 'schedule', cron: t.cron?.trim(), everyMs, timezone, missed, forEach };
}

function dateTimer(t: Trigger, type: ObjectTypeSpec, timezone: string, missed: MissedFirePolicy, problems: FieldProblem[]): CompiledDateTimer | undefined {
  if (t.object !== undefined && t.object !== type.name) problems.push({ path: '/trigger/object', message: `must be the workflow's object (${type.name})` });
  let anchor: CompiledDateTimer['anchor'] | undefined;
  if ((t.field === undefined) === (t.after === undefined)) problems.push({ path: '/trigger', message: 'on: date needs exactly one of field (a date field) or after: created' });
  else if (t.after === 'created') anchor = { created: true };
  else if (t.field !== undefined) {
    const spec = fieldSpec(type, t.field);
    if (!spec) problems.push({ path: '/trigger/field', message: `unknown field "${t.field}" for object type ${type.name}` });
    else if (spec.type !== 'datetime') problems.push({ path: '/trigger/field', message: `an offset needs a date field; ${t.field} is a ${spec.type} field, not a datetime` });
    else anchor = { field: t.field };
  }
  const raw = t.offset ?? '0d';
  const sign = raw.startsWith('-') ? -1 : 1;
  const magnitude = raw.replace(/^[-+]/, '');
  const offset = magnitude.endsWith('d') ? { days: sign * Number(magnitude.slice(0, -1)) } : { ms: sign * parseDuration(magnitude) };
  let at: CompiledDateTimer['at'];
  if (t.at !== undefined) {
    if ('ms' in offset) problems.push({ path: '/trigger/at', message: `at sets the local time of day, so the offset must be whole days (e.g. -3d), not ${raw}` });
    const [hour, minute] = t.at.split(':').map(Number) as [number, number];
    at = { hour, minute };
  }
  return anchor ? { kind: 'date', anchor, offset, at, timezone, missed } : undefined;
}
