// Submits occurrences that are not record writes (a manual run today; schedules and events later)
// through the intake, each in its own transaction, and flushes the outbox once it committed.
import type { Alerts } from '../observability/alerts.js';
import type { Store } from '../store/port.js';
import type { Occurrence } from '../triggers/occurrence.js';
import { Catalog, CatalogStaleError } from './catalog.js';
import { submit, transactAndFlush } from './intake.js';
import type { QueueDeps, Queued } from './occurrence-queue.js';

export class OccurrencesService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly deps: QueueDeps,
    private readonly alerts: Alerts,
  ) {}

  /** Queues what the occurrence triggers; a second submit of the same (kind, key) queues nothing. */
  async submit(occurrence: Occurrence): Promise<Queued> {
    for (let attempt = 0; ; attempt++) {
      const catalog = this.catalog.cached(occurrence.tenant) ?? (await this.catalog.forTenant(occurrence.tenant));
      try {
        return await transactAndFlush({ store: this.store, alerts: this.alerts },
          (tx, outbox) => submit(tx, outbox, catalog, occurrence, this.deps), { interactive: true, awaitDelivery: false });
      } catch (error) {
        if (!(error instanceof CatalogStaleError) || attempt >= 5) throw error;
        await this.catalog.forTenant(occurrence.tenant, true);
      }
    }
  }
}
