// The scheduler loop: fires what is due (schedules, their for_each fan-outs, relative-date timers)
// in chunks, one transaction per chunk, and sleeps until the next due time or the poll interval.
// Claims lock the rows they take (PostgreSQL: SKIP LOCKED), so schedulers in many processes split
// due work, and a process killed mid-chunk loses its locks with its connection: the chunk is due
// again for the others, and its fires' deterministic keys make a redo queue nothing twice.
// Decisions are pure (scheduling/); time-fires.ts does one chunk's I/O.
import type { Clock } from '../clock.js';
import type { Alerts } from '../observability/alerts.js';
import type { EngineEvents } from '../observability/events.js';
import { CatalogStaleError, type Catalog, type TenantCatalog } from '../services/catalog.js';
import type { QueueDeps } from '../services/occurrence-queue.js';
import { transact } from '../services/outbox.js';
import type { Store } from '../store/port.js';
import { fanOutChunk, fireSchedules, fireTimers, type FireContext } from './time-fires.js';

export interface SchedulerSettings {
  /** Longest sleep between passes (a deploy in another process is seen within it). Default 1 s. */
  pollMs: number;
  /** Rows (schedules, timers) or fan-out records per transaction. Default 200. */
  chunk: number;
}

export const DEFAULT_SCHEDULER: SchedulerSettings = { pollMs: 1000, chunk: 200 };

export interface SchedulerDeps {
  store: Store;
  catalog: Catalog;
  clock: Clock;
  events: EngineEvents;
  alerts: Alerts;
  queue: QueueDeps;
}

export interface TickResult {
  schedules: number;
  timers: number;
  fanouts: number;
}

/** A tenant whose catalog is not loaded yet: load it outside the transaction, then redo. */
class NeedCatalog extends Error {
  constructor(readonly tenant: string) {
    super(`catalog of ${tenant} not loaded`);
  }
}

export class Scheduler {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: SchedulerDeps, private readonly settings: SchedulerSettings = DEFAULT_SCHEDULER) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  /** Everything due now, chunk by chunk, until nothing is (bounded). Tests call it on the manual clock. */
  async tick(maxChunks = 10_000): Promise<TickResult> {
    const result: TickResult = { schedules: 0, timers: 0, fanouts: 0 };
    const { chunk } = this.settings;
    for (let i = 0; i < maxChunks && !this.stopped; i++) {
      const { fired, claimed } = await this.chunk((c) => c.tx.timers.claimDueSchedules(c.now, chunk), fireSchedules);
      result.schedules += fired;
      if (claimed < chunk) break;
    }
    result.fanouts += await this.fanOut(maxChunks);
    for (let i = 0; i < maxChunks && !this.stopped; i++) {
      const { fired, claimed } = await this.chunk((c) => c.tx.timers.claimDueTimers(c.now, chunk), fireTimers);
      result.timers += fired;
      if (claimed < chunk) break;
    }
    return result;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
        const next = await this.deps.store.timers.nextDue();
        const now = this.deps.clock.now();
        const wait = next === undefined ? this.settings.pollMs : Math.max(0, Math.min(this.settings.pollMs, next - now));
        await this.deps.clock.sleep(wait, this.stopController.signal);
      } catch (error) {
        this.deps.events.emit('worker:error', error);
        await this.deps.clock.sleep(this.settings.pollMs, this.stopController.signal);
      }
    }
  }

  /** Every fan-out in progress, one chunk of records per transaction, until all are done (bounded). */
  private async fanOut(maxChunks: number): Promise<number> {
    let chunks = 0;
    for (let pending = await this.deps.store.timers.listFanouts(); pending.length > 0 && chunks < maxChunks && !this.stopped; pending = await this.deps.store.timers.listFanouts()) {
      let progressed = false;
      for (const row of pending) {
        const catalog = await this.deps.catalog.forTenant(row.tenant);
        const type = catalog.index.workflows.find((w) => w.id === row.workflowId && w.version === row.version)?.definition.object;
        const page = type ? await this.deps.store.listRecords(row.tenant, type, this.settings.chunk, row.fanout?.afterId ?? '') : [];
        const { value } = await this.inTransaction((c) => fanOutChunk(c, row, page, this.settings.chunk));
        if (value) {
          progressed = true;
          chunks++;
        }
      }
      if (!progressed) break; // others are working through them
    }
    return chunks;
  }

  private async chunk<R>(claim: (c: FireContext) => Promise<R[]>, fire: (c: FireContext, rows: R[]) => Promise<number>): Promise<{ fired: number; claimed: number }> {
    const { value } = await this.inTransaction(async (c) => {
      const rows = await claim(c);
      return { fired: rows.length > 0 ? await fire(c, rows) : 0, claimed: rows.length };
    });
    return value;
  }

  /**
   * One transaction with an outbox, flushed after commit. Catalogs come from the cache: a tenant
   * not loaded yet, or a catalog a deploy moved (CatalogStaleError), is loaded outside and the
   * transaction redone.
   */
  private async inTransaction<T>(fn: (c: FireContext) => Promise<T>): Promise<{ value: T }> {
    const { store, catalog, alerts, queue, clock } = this.deps;
    for (let attempt = 0; ; attempt++) {
      const used = new Set<string>();
      const catalogOf = (tenant: string): TenantCatalog => {
        const cached = catalog.cached(tenant);
        if (!cached) throw new NeedCatalog(tenant);
        used.add(tenant);
        return cached;
      };
      try {
        const { value, outbox } = await transact(store, (tx, outbox) => fn({ tx, outbox, catalogOf, deps: queue, now: clock.now() }));
        await outbox.flush({ store, alerts }, { awaitDelivery: false });
        return { value };
      } catch (error) {
        if (attempt >= 20) throw error;
        if (error instanceof NeedCatalog) await catalog.forTenant(error.tenant);
        else if (error instanceof CatalogStaleError) for (const tenant of used) await catalog.forTenant(tenant, true);
        else throw error;
      }
    }
  }
}
