// Record reads and writes for the API, CLI and imports. Writes go through the one write path.
import { randomUUID } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import type { RecordValidator } from '../records/validator.js';
import type { Alerts } from '../observability/alerts.js';
import type { Store } from '../store/port.js';
import type { Actor, ChangeRow, Json, RecordRow } from '../domain/types.js';
import { Catalog, CatalogStaleError } from './catalog.js';
import { applyWrite, transactAndFlush, type WriteCommand, type WriteDeps, type WriteResult } from './intake.js';

export class RecordsService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly validator: RecordValidator,
    private readonly deps: WriteDeps,
    private readonly alerts: Alerts,
  ) {}

  /** Runs one write in its own transaction, reloading the catalog if a deploy raced it. */
  async write(cmd: WriteCommand): Promise<WriteResult> {
    this.validator.type(cmd.type);
    for (let attempt = 0; ; attempt++) {
      const catalog = this.catalog.cached(cmd.tenant) ?? (await this.catalog.forTenant(cmd.tenant));
      try {
        // After commit: one wake-up if executions were queued, and alert delivery without the
        // writer waiting for it (invariant 3); the alert is stored and counted already, and a
        // failed delivery is reported as an event.
        return await transactAndFlush({ store: this.store, alerts: this.alerts },
          (tx, outbox) => applyWrite(tx, catalog, cmd, this.deps, outbox), { interactive: true, awaitDelivery: false });
      } catch (error) {
        if (!(error instanceof CatalogStaleError) || attempt >= 5) throw error;
        await this.catalog.forTenant(cmd.tenant, true);
      }
    }
  }

  create(tenant: string, type: string, data: Record<string, Json>, actor: Actor, id?: string): Promise<WriteResult> {
    return this.write({ op: 'create', tenant, type, id: id ?? randomUUID(), data, actor });
  }

  async get(tenant: string, type: string, id: string): Promise<RecordRow> {
    this.validator.type(type);
    const record = await this.store.getRecord(tenant, type, id);
    if (!record) throw new SwitchyardError('RECORD_NOT_FOUND', `${type} ${id} does not exist`);
    return record;
  }

  list(tenant: string, type: string, limit = 100, after?: string): Promise<RecordRow[]> {
    this.validator.type(type);
    return this.store.listRecords(tenant, type, Math.min(Math.max(limit, 1), 1000), after);
  }

  async history(tenant: string, type: string, id: string): Promise<ChangeRow[]> {
    this.validator.type(type);
    return this.store.listChanges(tenant, type, id);
  }
}
