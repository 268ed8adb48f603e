// The worker loop: claim ready executions in batches, run them with bounded concurrency, keep
// their leases alive with heartbeats, and sweep leases that expired (a crashed worker's work).
// A suspect (its lease ran out without a checkpoint: it may have crashed its worker) runs alone,
// so a crash while it runs is charged to it only; after maxLeaseExpiries the sweep dead-letters it.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { WorkerSettings } from '../config.js';
import type { EngineEvents } from '../observability/events.js';
import type { Store } from '../store/port.js';
import type { ExecutionRow, Lease } from '../domain/types.js';
import type { Quarantine } from './quarantine.js';
import type { BatchRunner } from './batch-runner.js';
import type { ExecutionRunner } from './runner.js';

export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inflight = new Map<string, { lease: Lease; done: Promise<void> }>();
  private readonly stopController = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  /** The first loop sweeps before it claims: a restart must never run a poison pill again. */
  private lastSweep = -Infinity;
  /** The suspect this worker runs alone: nothing else is claimed until it ends. */
  private alone: string | undefined;
  /**
   * This worker's sweep requeued suspects: it claims nothing until its work drained, then takes
   * them alone one by one, until a claim finds none (so none waits for ever behind busy workers).
   */
  private drainForSuspects = false;
  private lastHeartbeat = 0;
  /**
   * Batches whose transaction is still open. While one commits, new work waits for the next claim
   * instead of being claimed one by one: group commit, without a delay when the queue is quiet. The
   * embedded store has one connection (one at a time); PostgreSQL commits two at once.
   */
  private committing = 0;

  constructor(
    private readonly store: Store,
    private readonly runner: ExecutionRunner,
    private readonly clock: Clock,
    private readonly settings: WorkerSettings,
    private readonly events: EngineEvents,
    private readonly quarantine: Quarantine,
    /** Runs a claimed batch with one commit for what needs no outside call; absent: one by one. */
    private readonly batchRunner?: BatchRunner,
  ) {}

  /** Starts the background loop. */
  start(): void {
    if (this.loop) return;
    this.unsubscribe = this.store.onWake(() => this.wake.abort());
    this.loop = this.runLoop();
  }

  /** Stops claiming and waits for running executions to finish their current step. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake.abort();
    this.unsubscribe?.();
    await this.loop;
    await Promise.allSettled([...this.inflight.values()].map((i) => i.done));
  }

  /** For tests and the CLI: claim and run until nothing is ready. Returns how many ran. */
  async drain(maxRounds = 10_000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const claimed = await this.claimAndStart();
      await Promise.allSettled([...this.inflight.values()].map((i) => i.done));
      total += claimed;
      if (claimed === 0) return total;
    }
    return total;
  }

  /**
   * For tests and tools: runs executions claimed outside this loop (under their own leases) the way
   * a claim of this worker would, as one batch when batch commits are on, and waits for them.
   */
  async runClaimed(claimed: ExecutionRow[]): Promise<void> {
    if (claimed.length > 1 && this.batchRunner) this.startBatch(claimed, this.batchRunner);
    else for (const exec of claimed) this.start1(exec);
    await Promise.allSettled(claimed.flatMap((e) => this.inflight.get(e.id)?.done ?? []));
  }

  private async runLoop(): Promise<void> {
    while (!this.stopController.signal.aborted) {
      try {
        // Re-arm before claiming: a wake-up that arrives while we claim must not be lost.
        if (this.wake.signal.aborted) this.wake = new AbortController();
        await this.housekeeping();
        const claimed = await this.claimAndStart();
        if (claimed > 0 && this.inflight.size < this.settings.concurrency) continue;
        await this.idle();
      } catch (error) {
        this.events.emit('worker:error', error);
        await this.clock.sleep(Math.min(this.settings.pollMs, 1000), this.stopController.signal);
      }
    }
  }

  /** Sleeps until woken (new work, a slot freed) or the poll interval / next scheduled run. */
  private async idle(): Promise<void> {
    // Ready work that was not claimed waits for a busy lane: finishing executions wake us.
    const next = this.inflight.size < this.settings.concurrency ? await this.store.nextRunAt() : undefined;
    const now = this.clock.now();
    const untilNext = next === undefined || next <= now ? this.settings.pollMs : next - now;
    await this.clock.sleep(Math.min(this.settings.pollMs, untilNext), this.wake.signal);
  }

  private async housekeeping(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastSweep >= this.settings.sweepMs) {
      this.lastSweep = now;
      const swept = await this.store.sweepLeases(now, this.quarantine.policy);
      if (swept.requeued > 0) this.drainForSuspects = true;
      if (swept.requeued > 0 || swept.quarantined.length > 0) this.wake.abort();
      await this.quarantine.settle(swept.quarantined);
    }
    if (this.inflight.size > 0 && now - this.lastHeartbeat >= this.settings.leaseMs / 3) {
      this.lastHeartbeat = now;
      const lost = await this.store.heartbeat(this.id, [...this.inflight.values()].map((i) => i.lease), now, this.settings.leaseMs);
      for (const id of lost) this.events.emit('lease:lost', id);
    }
  }

  private async claimAndStart(): Promise<number> {
    const free = this.settings.concurrency - this.inflight.size;
    if (free <= 0 || this.alone !== undefined || (this.drainForSuspects && this.inflight.size > 0)) return 0;
    if (this.batchRunner && this.committing >= (this.store.capabilities.multiProcess ? 2 : 1)) return 0;
    const claimed = await this.store.claimExecutions({
      workerId: this.id, now: this.clock.now(), leaseMs: this.settings.leaseMs, limit: Math.min(free, this.settings.batchSize),
      busy: this.inflight.size > 0,
    });
    // The store hands out a suspect only alone, and only to a worker with nothing in flight.
    const suspect = claimed.find((e) => e.leaseExpiries > 0);
    if (suspect) this.alone = suspect.id;
    else if (this.inflight.size === 0) this.drainForSuspects = false;
    if (!suspect && claimed.length > 1 && this.batchRunner) this.startBatch(claimed, this.batchRunner);
    else for (const exec of claimed) this.start1(exec);
    return claimed.length;
  }

  /** A batch holds its slots until all of its executions are done (committed together or alone). */
  private startBatch(claimed: ExecutionRow[], batchRunner: BatchRunner): void {
    for (const exec of claimed) this.events.emit('execution:claimed', exec);
    this.committing++;
    let open = true;
    const committed = (): void => {
      if (!open) return;
      open = false;
      this.committing--;
      this.wake.abort(); // the next batch may be claimed now
    };
    const done = batchRunner.run(claimed, this.stopController.signal, committed).finally(() => {
      committed();
      for (const exec of claimed) this.inflight.delete(exec.id);
      this.wake.abort();
    });
    for (const exec of claimed) this.inflight.set(exec.id, { lease: { executionId: exec.id, attempt: exec.attempt }, done });
  }

  private start1(exec: ExecutionRow): void {
    this.events.emit('execution:claimed', exec);
    const done = this.runner.run(exec, this.stopController.signal).finally(() => {
      this.inflight.delete(exec.id);
      if (this.alone === exec.id) this.alone = undefined;
      this.wake.abort(); // a slot is free, and the lane may have more work
    });
    this.inflight.set(exec.id, { lease: { executionId: exec.id, attempt: exec.attempt }, done });
  }
}
