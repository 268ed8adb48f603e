// Record reads and writes for the API, CLI and imports. Writes go through the one write path.
import { SwitchyardError } from '../errors.js';
import type { Alerts } from '../observability/alerts.js';
import type { Store, StoreTx } from '../store/port.js';
import { newRowId } from '../domain/ids.js';
import type { Actor, ChangeRow, Json, RecordRow } from '../domain/types.js';
import { searchRecords, type RecordPage } from './record-search.js';
import { Catalog, CatalogStaleError, type TenantCatalog } from './catalog.js';
import { applyWrite, applyWrites, transactAndFlush, type Outbox, type WriteCommand, type WriteDeps, type WriteResult } from './intake.js';

/** The most writes one transaction of writeMany takes: an import's chunk. */
export const MAX_WRITES_PER_TRANSACTION = 1000;

export class RecordsService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly deps: WriteDeps,
    private readonly alerts: Alerts,
  ) {}

  /** Runs one write in its own transaction, reloading the catalog if a deploy raced it. */
  async write(cmd: WriteCommand): Promise<WriteResult> {
    await this.catalog.objectType(cmd.tenant, cmd.type);
    return this.inTransaction(cmd.tenant, true, (tx, outbox, catalog) => applyWrite(tx, catalog, cmd, this.deps, outbox));
  }

  /**
   * Many writes of one tenant in one transaction (a chunk of an import): all of them commit or
   * none does, in a few set-based statements instead of several per write (intake.applyWrites).
   * At most MAX_WRITES_PER_TRANSACTION; a larger import commits in chunks of that size.
   */
  async writeMany(tenant: string, cmds: WriteCommand[]): Promise<WriteResult[]> {
    if (cmds.length > MAX_WRITES_PER_TRANSACTION) {
      throw new SwitchyardError('VALIDATION_FAILED', `${cmds.length} writes in one transaction: at most ${MAX_WRITES_PER_TRANSACTION}`, {
        problems: [{ path: '', message: `at most ${MAX_WRITES_PER_TRANSACTION} writes` }],
      });
    }
    for (const cmd of cmds) {
      if (cmd.tenant !== tenant) throw new Error(`writeMany(${tenant}) got a write of tenant ${cmd.tenant}`);
      await this.catalog.objectType(tenant, cmd.type);
    }
    return this.inTransaction(tenant, false, (tx, outbox, catalog) => applyWrites(tx, outbox, catalog, cmds, this.deps));
  }

  /** A write transaction on the tenant's current catalog, retried on a fresh one if a deploy raced it. */
  private async inTransaction<T>(tenant: string, interactive: boolean, fn: (tx: StoreTx, outbox: Outbox, catalog: TenantCatalog) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const catalog = this.catalog.cached(tenant) ?? (await this.catalog.forTenant(tenant));
      try {
        // After commit: one wake-up if executions were queued, and alert delivery without the
        // writer waiting for it (invariant 3); the alert is stored and counted already, and a
        // failed delivery is reported as an event.
        return await transactAndFlush({ store: this.store, alerts: this.alerts },
          (tx, outbox) => fn(tx, outbox, catalog), { interactive, awaitDelivery: false });
      } catch (error) {
        if (!(error instanceof CatalogStaleError) || attempt >= 5) throw error;
        await this.catalog.forTenant(tenant, true);
      }
    }
  }

  create(tenant: string, type: string, data: Record<string, Json>, actor: Actor, id?: string): Promise<WriteResult> {
    return this.write({ op: 'create', tenant, type, id: id ?? newRowId(), data, actor });
  }

  async get(tenant: string, type: string, id: string): Promise<RecordRow> {
    await this.catalog.objectType(tenant, type);
    const record = await this.store.getRecord(tenant, type, id);
    if (!record) throw new SwitchyardError('RECORD_NOT_FOUND', `${type} ${id} does not exist`);
    return record;
  }

  /** A page of records: field filters, sort, cursor, count and `where`, from query parameters (record-search.ts). */
  async find(tenant: string, type: string, params: Record<string, unknown>): Promise<RecordPage> {
    // The fresh catalog (one revision read): a field just added through the API is filterable.
    return searchRecords(this.store, (await this.catalog.forTenant(tenant)).validator.type(type), tenant, params, this.deps.clock.now());
  }

  async list(tenant: string, type: string, limit = 100, after?: string): Promise<RecordRow[]> {
    await this.catalog.objectType(tenant, type);
    return this.store.listRecords(tenant, type, Math.min(Math.max(limit, 1), 1000), after);
  }

  async history(tenant: string, type: string, id: string): Promise<ChangeRow[]> {
    await this.catalog.objectType(tenant, type);
    return this.store.listChanges(tenant, type, id);
  }
}
