// Poison-pill containment. An execution that crashes or stalls its worker (an expression that
// exhausts the heap, a synchronous stall) never reaches a checkpoint: its lease runs out, and the
// sweeper would requeue it for ever. The store counts those expiries; at maxLeaseExpiries the sweep
// dead-letters it with the alert built here, in the same transaction (invariant 6). The ops task
// goes through the write path, which the store cannot call, so settle() writes it just after.
import { isSwitchyardError } from '../errors.js';
import type { Alerts } from '../observability/alerts.js';
import type { EngineEvents } from '../observability/events.js';
import { CatalogStaleError, type Catalog } from '../services/catalog.js';
import { applyWrite, Outbox, transact, type WriteDeps } from '../services/intake.js';
import type { Quarantined, Store, SweepPolicy } from '../store/port.js';
import type { ExecutionRow } from '../domain/types.js';
import { deadLetterAlert, opsTask } from './execution-facts.js';

export const QUARANTINE_CODE = 'EXECUTION_QUARANTINED';

/** Why a quarantined execution failed (pure). */
export function quarantineReason(expiries: number): string {
  return `quarantined: its lease ran out ${expiries} times without a checkpoint (the worker crashed or stalled while running it)`;
}

/** The sweeper's policy (pure): dead-letter at the max-th expiry, with a dead-letter alert. */
export function quarantinePolicy(maxLeaseExpiries: number): SweepPolicy {
  return {
    maxLeaseExpiries,
    quarantine: (exec: ExecutionRow, now: number) => {
      const reason = quarantineReason(exec.leaseExpiries);
      return { reason, alert: deadLetterAlert(exec, reason, { code: QUARANTINE_CODE }, now) };
    },
  };
}

export interface QuarantineDeps {
  store: Store;
  catalog: Catalog;
  writeDeps: WriteDeps;
  alerts: Alerts;
  events: EngineEvents;
}

export class Quarantine {
  readonly policy: SweepPolicy;

  constructor(private readonly deps: QuarantineDeps, maxLeaseExpiries: number) {
    this.policy = quarantinePolicy(maxLeaseExpiries);
  }

  /**
   * After the sweep committed: the ops task each dead letter leaves (as runner.deadLetter does),
   * then the alert delivery. Never throws: the failure and its alert are already stored.
   */
  async settle(quarantined: Quarantined[]): Promise<void> {
    const outbox = new Outbox();
    // The sweep ended them, so their lanes are free: wake the workers, once, after the ops tasks.
    if (quarantined.length > 0) outbox.wakeWorkers();
    for (const { execution, alert } of quarantined) {
      this.deps.events.emit('execution:finished', execution, 'failed', execution.reason);
      try {
        outbox.absorb(await this.writeOpsTask(execution));
      } catch (error) {
        this.deps.events.emit('worker:error', error);
      }
      outbox.deliver(alert);
    }
    await outbox.flush(this.deps).catch((error: unknown) => this.deps.events.emit('worker:error', error));
  }

  /** Writes the ops task in its own transaction; returns that transaction's outbox, unflushed. */
  private async writeOpsTask(exec: ExecutionRow): Promise<Outbox> {
    const { catalog, store, writeDeps } = this.deps;
    for (let retry = 0; ; retry++) {
      const current = retry === 0 ? catalog.cached(exec.tenant) ?? (await catalog.forTenant(exec.tenant)) : await catalog.forTenant(exec.tenant, true);
      try {
        const task = opsTask(exec, exec.reason ?? quarantineReason(exec.leaseExpiries), undefined);
        return (await transact(store, (tx, outbox) => applyWrite(tx, current, task, writeDeps, outbox))).outbox;
      } catch (error) {
        if (isSwitchyardError(error) && error.code === 'RECORD_EXISTS') return new Outbox(); // another sweeper's settle wrote it
        if (!(error instanceof CatalogStaleError) || retry >= 5) throw error;
      }
    }
  }
}
