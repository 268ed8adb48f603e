// Wall-clock time in a time zone, without a library: Intl tells the zone's offset at an instant,
// and a local time is turned into an instant the way cron users expect across DST. A local time in
// the spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) becomes the instant
// right after the gap; one in the repeated fall-back hour becomes its first occurrence. Pure.

export interface LocalDate { year: number; month: number; day: number }
export interface LocalTime { hour: number; minute: number; second?: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    if (formatters.size > 500) formatters.clear(); // bounded: zone names come from deployed workflows
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time at an instant in a zone. */
export function localParts(at: number, timeZone: string): LocalDate & Required<LocalTime> {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +2 h). Whole seconds. */
export function zoneOffset(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant a local date and time names in a zone (gap: right after it; repeated hour: the first). */
export function zonedInstant(date: LocalDate, time: LocalTime, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second ?? 0);
  // The offsets around this wall time: a day either side covers every real transition.
  const offsets = [...new Set([zoneOffset(wall - 86_400_000, timeZone), zoneOffset(wall, timeZone), zoneOffset(wall + 86_400_000, timeZone)])];
  const exact = offsets.map((o) => wall - o).filter((t) => zoneOffset(t, timeZone) === wall - t).sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  // In the gap: the transition lies between the two readings; find its first instant.
  const candidates = offsets.map((o) => wall - o).sort((a, b) => a - b);
  let lo = candidates[0] as number;
  let hi = candidates[candidates.length - 1] as number;
  const before = zoneOffset(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (zoneOffset(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A calendar date moved by whole days (month and year lengths handled by Date.UTC). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** "2026-03-15" as a calendar date; undefined when the text carries a time of day. */
export function dateOnly(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

/** An instant as the zone's wall time, e.g. "2026-03-29 03:00 (Europe/Berlin)". */
export function formatLocal(at: number, timeZone: string): string {
  const p = localParts(at, timeZone);
  const two = (n: number): string => String(n).padStart(2, '0');
  const seconds = p.second ? `:${two(p.second)}` : '';
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}${seconds} ${timeZone}`;
}
