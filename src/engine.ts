// The composition root: wires the store, clock, catalog, services and the worker.
import { systemClock, type Clock } from './clock.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { ConditionStats } from './conditions/ordering.js';
import { Breakers } from './execution/breakers.js';
import { Alerts } from './observability/alerts.js';
import { createMetrics } from './observability/metrics.js';
import type { Registry } from 'prom-client';
import { RateLimiter } from './scheduling/rate-limiter.js';
import { LoopGuard } from './services/loop-guard.js';
import { Quarantine } from './execution/quarantine.js';
import { BatchRunner } from './execution/batch-runner.js';
import { ExecutionRunner } from './execution/runner.js';
import { Worker } from './execution/worker.js';
import { EngineEvents } from './observability/events.js';
import { RecordValidator } from './records/validator.js';
import { Catalog } from './services/catalog.js';
import { DeadLettersService } from './services/dead-letters-service.js';
import { ExecutionsService } from './services/executions-service.js';
import { RecordsService } from './services/records-service.js';
import { OccurrencesService } from './services/occurrences-service.js';
import { WorkflowsService } from './services/workflows-service.js';
import type { WriteDeps } from './services/write-path.js';
import type { Store } from './store/port.js';

export interface EngineOptions {
  store: Store;
  config?: ResolvedConfig;
  clock?: Clock;
  /** Run the worker loop in this process (default true). A serve-only process sets false. */
  runWorker?: boolean;
  /** Randomness for retry jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface Engine {
  readonly store: Store;
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly events: EngineEvents;
  readonly records: RecordsService;
  /** Occurrences that are not record writes (manual runs now; schedules and events later) enter here. */
  readonly occurrences: OccurrencesService;
  readonly workflows: WorkflowsService;
  readonly executions: ExecutionsService;
  readonly deadLetters: DeadLettersService;
  /** Prometheus registry: GET /metrics serves it. */
  readonly metrics: Registry;
  readonly worker: Worker;
  /** Migrates the store and starts the worker loop (unless runWorker is false). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEngine(options: EngineOptions): Engine {
  const store = options.store;
  const config = options.config ?? resolveConfig({});
  const clock = options.clock ?? systemClock;
  const events = new EngineEvents();
  const validator = new RecordValidator(config.objectTypes);
  const catalog = new Catalog(store, config.objectTypes);
  const writeDeps: WriteDeps = { clock, validator, loopGuard: new LoopGuard((tenant) => config.loopLimits(tenant)) };
  const alerts = new Alerts((tenant) => config.alertConnector(tenant), events);
  const breakers = new Breakers(store, clock, alerts, { flushMs: config.worker.breakerFlushMs });
  const runnerDeps = {
    store, catalog, clock, events, writeDeps, alerts, breakers,
    conditionStats: new ConditionStats(),
    limiter: new RateLimiter(),
    connectors: (tenant: string, name: string) => config.connector(tenant, name),
    workflowBreaker: config.workflowBreaker,
    random: options.random,
  };
  const runner = new ExecutionRunner(runnerDeps);
  const batchRunner = config.worker.batchCommit ? new BatchRunner(runnerDeps, runner) : undefined;
  const quarantine = new Quarantine({ store, catalog, writeDeps, alerts, events }, config.worker.maxLeaseExpiries);
  const worker = new Worker(store, runner, clock, config.worker, events, quarantine, batchRunner);
  let started = false;

  return {
    store,
    config,
    clock,
    events,
    records: new RecordsService(store, catalog, validator, writeDeps, alerts),
    occurrences: new OccurrencesService(store, catalog, writeDeps, alerts),
    workflows: new WorkflowsService(store, catalog, config.objectTypes, clock, config.maxChainDepth, (tenant) => config.connectorTypes(tenant)),
    executions: new ExecutionsService(store),
    deadLetters: new DeadLettersService(store, clock),
    metrics: createMetrics(events, store),
    worker,
    async start() {
      await store.migrate();
      if (options.runWorker !== false && !started) worker.start();
      started = true;
    },
    async stop() {
      if (started) await worker.stop();
      // Outcomes still counted in memory reach the shared breakers (a failed write is reported).
      await breakers.flush().catch((error: unknown) => events.emit('worker:error', error));
      started = false;
    },
  };
}
