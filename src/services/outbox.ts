// The after-commit outbox of one transaction. Work that must happen only once a transaction is
// durable (wake the workers of every process, deliver loop and dead-letter alerts) is collected
// here while the transaction runs, and performed by flush() after it committed. A transaction that
// rolled back (or is retried) is never flushed, so it wakes no one and delivers nothing.
import type { AlertRow } from '../domain/types.js';
import type { Store, StoreTx, TransactionOptions } from '../store/port.js';

/** Where a flush sends its work: the store's wake-up and the alert delivery (observability/alerts.ts). */
export interface OutboxSink {
  store: Pick<Store, 'notifyQueued'>;
  alerts: { deliver(alert: AlertRow): Promise<void> };
}

export interface FlushOptions {
  /**
   * Wait for alert deliveries (default true). A user's write sets false: delivery is an outside
   * call, and a write never waits for one (invariant 3); the alert is stored already.
   */
  awaitDelivery?: boolean;
}

export class Outbox {
  private wake = false;
  private alerts: AlertRow[] = [];

  /** Executions were queued: wake workers after commit. Coalesced: one wake-up per flush. */
  wakeWorkers(): void {
    this.wake = true;
  }

  /** An alert stored in this transaction, to deliver after commit. */
  deliver(alert: AlertRow): void {
    this.alerts.push(alert);
  }

  /** Takes over another outbox's work (a savepoint's, once it was released into this transaction). */
  absorb(other: Outbox): void {
    if (other.wake) this.wake = true;
    this.alerts.push(...other.alerts);
    other.clear();
  }

  /** What a flush would do now (for tests and callers that report it). */
  get pending(): { wake: boolean; alerts: readonly AlertRow[] } {
    return { wake: this.wake, alerts: [...this.alerts] };
  }

  /**
   * Performs the collected work once; a second flush has nothing left to do. Call only after
   * commit. The alerts go out even when the wake-up fails (the engine polls, so a lost wake-up only
   * delays work); that failure is rethrown afterwards.
   */
  async flush(sink: OutboxSink, options: FlushOptions = {}): Promise<void> {
    const { wake, alerts } = this.pending;
    this.clear();
    let wakeFailure: { error: unknown } | undefined;
    if (wake) await sink.store.notifyQueued().catch((error: unknown) => { wakeFailure = { error }; });
    const deliveries = (async () => {
      for (const alert of alerts) await sink.alerts.deliver(alert);
    })();
    if (options.awaitDelivery !== false) await deliveries;
    // Not awaited: a delivery that throws (a listener of alert:raised) must not become an
    // unhandled rejection; Alerts.deliver reports its own failures as events.
    else deliveries.catch(() => undefined);
    if (wakeFailure) throw wakeFailure.error;
  }

  private clear(): void {
    this.wake = false;
    this.alerts = [];
  }
}

/**
 * Runs fn in one store transaction with an outbox, fresh for every attempt (an adapter may run fn
 * again after a conflict), and returns the committed attempt's outbox unflushed: the caller
 * flushes it (or absorbs it into a larger unit of work). If the transaction throws, no outbox
 * comes back, so nothing of it can be flushed.
 */
export async function transact<T>(
  store: Pick<Store, 'transaction'>,
  fn: (tx: StoreTx, outbox: Outbox) => Promise<T>,
  options?: TransactionOptions,
): Promise<{ value: T; outbox: Outbox }> {
  let outbox = new Outbox();
  const value = await store.transaction((tx) => {
    outbox = new Outbox();
    return fn(tx, outbox);
  }, options);
  return { value, outbox };
}

/** transact, then flush once committed. */
export async function transactAndFlush<T>(
  sink: OutboxSink & { store: Pick<Store, 'transaction' | 'notifyQueued'> },
  fn: (tx: StoreTx, outbox: Outbox) => Promise<T>,
  options?: TransactionOptions & FlushOptions,
): Promise<T> {
  const { value, outbox } = await transact(sink.store, fn, options);
  await outbox.flush(sink, options);
  return value;
}
