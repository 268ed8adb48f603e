// What the API, the CLI and the dashboard show of time triggers: each schedule and timer with its
// next fire, in UTC and in its own time zone, and the fires that were skipped and why.
import type { CompiledWorkflow } from '../definitions/compile.js';
import type { SkippedFireRow, TimerStatus } from '../domain/time-triggers.js';
import { formatLocal } from '../scheduling/zoned-time.js';
import type { Store } from '../store/port.js';
import type { Catalog } from './catalog.js';

export interface ScheduleView {
  kind: 'schedule';
  workflowId: string;
  version: number;
  /** "cron 0 9 * * MON" or "every 15m". */
  rule: string;
  timezone: string;
  status: 'active' | 'paused';
  /** ISO time (UTC) and the same instant as wall time in the trigger's zone; null when paused. */
  nextFire: string | null;
  nextFireLocal: string | null;
  lastFire: string | null;
  missed: string;
  forEach: { object: string; where?: string } | null;
  /** A for_each fire still fanning out: its fire time and the last record done. */
  fanningOut: { fire: string; afterId: string } | null;
}

export interface TimerView {
  kind: 'timer';
  workflowId: string;
  version: number;
  record: { type: string; id: string };
  status: TimerStatus;
  due: string;
  dueLocal: string;
  anchor: string;
  reason: string | null;
}

export interface SkippedFireView {
  kind: 'schedule' | 'timer';
  key: string;
  workflowId: string;
  version: number;
  record: { type: string; id: string } | null;
  due: string;
  reason: string;
  recordedAt: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class SchedulesService {
  constructor(private readonly store: Store, private readonly catalog: Catalog) {}

  /** Every schedule, and the timers (scheduled ones by default) by due time, at most `limit`. */
  async list(tenant: string, options: { status?: TimerStatus | 'all'; limit?: number; workflowId?: string } = {}): Promise<{ schedules: ScheduleView[]; timers: TimerView[] }> {
    const schedules: ScheduleView[] = [];
    for (const row of await this.store.timers.listSchedules(tenant)) {
      if (options.workflowId && row.workflowId !== options.workflowId) continue;
      const wf = await this.versionOrUndefined(tenant, row.workflowId, row.version);
      const t = wf?.time?.kind === 'schedule' ? wf.time : undefined;
      const tz = t?.timezone ?? 'UTC';
      const active = row.status === 'active';
      schedules.push({
        kind: 'schedule', workflowId: row.workflowId, version: row.version,
        rule: t ? (t.cron !== undefined ? `cron ${t.cron}` : `every ${String(wf?.definition.trigger.every)}`) : '?',
        timezone: tz, status: row.status,
        nextFire: active ? iso(row.nextFireAt) : null, nextFireLocal: active ? formatLocal(row.nextFireAt, tz) : null,
        lastFire: row.lastFireAt === null ? null : iso(row.lastFireAt), missed: t?.missed ?? 'once',
        forEach: t?.forEach ? { object: t.forEach.object, where: t.forEach.where?.source } : null,
        fanningOut: row.fanout ? { fire: iso(row.fanout.fireAt), afterId: row.fanout.afterId } : null,
      });
    }
    const status = options.status === 'all' ? undefined : (options.status ?? 'scheduled');
    const rows = await this.store.timers.listTimers({ tenant, status, workflowId: options.workflowId, limit: Math.min(options.limit ?? 100, 1000) });
    const timers: TimerView[] = [];
    for (const row of rows) {
      const wf = await this.versionOrUndefined(tenant, row.workflowId, row.version);
      const tz = wf?.time?.timezone ?? 'UTC';
      timers.push({
        kind: 'timer', workflowId: row.workflowId, version: row.version, record: { type: row.recordType, id: row.recordId },
        status: row.status, due: iso(row.dueAt), dueLocal: formatLocal(row.dueAt, tz), anchor: row.anchor, reason: row.reason,
      });
    }
    return { schedules, timers };
  }

  /** Fires that did not run, newest first. */
  async skipped(tenant: string, limit = 100): Promise<SkippedFireView[]> {
    return (await this.store.timers.listSkippedFires(tenant, Math.min(limit, 1000))).map((r: SkippedFireRow) => ({
      kind: r.kind, key: r.key, workflowId: r.workflowId, version: r.version,
      record: r.recordType ? { type: r.recordType, id: r.recordId } : null, due: iso(r.dueAt), reason: r.reason, recordedAt: iso(r.recordedAt),
    }));
  }

  private async versionOrUndefined(tenant: string, workflowId: string, version: number): Promise<CompiledWorkflow | undefined> {
    try {
      return await this.catalog.version(tenant, workflowId, version);
    } catch {
      return undefined;
    }
  }
}
