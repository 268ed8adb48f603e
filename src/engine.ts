// The composition root: wires the store, clock, catalog, services and the worker.
import { systemClock, type Clock } from './clock.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { SharedConditionStats } from './execution/condition-stats.js';
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
import { DEFAULT_SCHEDULER, Scheduler, type SchedulerSettings } from './execution/scheduler.js';
import { SchedulesService } from './services/schedules-service.js';
import { EngineEvents } from './observability/events.js';
import { Catalog } from './services/catalog.js';
import { DeadLettersService } from './services/dead-letters-service.js';
import { ExecutionsService } from './services/executions-service.js';
import { ExplainService } from './services/explain-service.js';
import { RecordsService } from './services/records-service.js';
import { OccurrencesService } from './services/occurrences-service.js';
import { WorkflowsService } from './services/workflows-service.js';
import { ObjectTypesService } from './services/object-types-service.js';
import { StopsService } from './services/stops-service.js';
import type { WriteDeps } from './services/write-path.js';
import type { Store } from './store/port.js';
import { declaredFieldIndexes } from './records/record-query.js';

export interface EngineOptions {
  store: Store;
  config?: ResolvedConfig;
  clock?: Clock;
  /** Run the worker loop in this process (default true). A serve-only process sets false. */
  runWorker?: boolean;
  /** The scheduler's poll interval and chunk size (defaults: 1 s, 200 rows per transaction). */
  scheduler?: Partial<SchedulerSettings>;
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
  /** Object types defined through the API, per tenant, on top of config's. */
  readonly objectTypes: ObjectTypesService;
  readonly executions: ExecutionsService;
  readonly deadLetters: DeadLettersService;
  /** Pause, emergency stop and bulk cancel (issue 12). */
  readonly stops: StopsService;
  /** Why each workflow did or did not run for a record's changes (GET /v1/records/{type}/{id}/explain). */
  readonly explain: ExplainService;
  /** Prometheus registry: GET /metrics serves it. */
  readonly metrics: Registry;
  readonly worker: Worker;
  /** Fires schedules and relative-date timers (runs beside the worker; tests call tick()). */
  readonly scheduler: Scheduler;
  /** Schedules, timers and skipped fires as the API, CLI and dashboard show them. */
  readonly schedules: SchedulesService;
  /** Migrates the store and starts the worker loop (unless runWorker is false). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEngine(options: EngineOptions): Engine {
  const store = options.store;
  const config = options.config ?? resolveConfig({});
  const clock = options.clock ?? systemClock;
  const events = new EngineEvents();
  const catalog = new Catalog(store, config.objectTypes);
  const writeDeps: WriteDeps = { clock, loopGuard: new LoopGuard((tenant) => config.loopLimits(tenant)) };
  const alerts = new Alerts((tenant) => config.alertConnector(tenant), events);
  const breakers = new Breakers(store, clock, alerts, { flushMs: config.worker.breakerFlushMs });
  const conditionStats = new SharedConditionStats(store, clock);
  const runnerDeps = {
    store, catalog, clock, events, writeDeps, alerts, breakers,
    conditionStats,
    limiter: new RateLimiter(),
    connectors: (tenant: string, name: string) => config.connector(tenant, name),
    workflowBreaker: config.workflowBreaker,
    random: options.random,
  };
  const runner = new ExecutionRunner(runnerDeps);
  const batchRunner = config.worker.batchCommit ? new BatchRunner(runnerDeps, runner) : undefined;
  const quarantine = new Quarantine({ store, catalog, writeDeps, alerts, events }, config.worker.maxLeaseExpiries);
  const worker = new Worker(store, runner, clock, config.worker, events, quarantine, batchRunner);
  const scheduler = new Scheduler({ store, catalog, clock, events, alerts, queue: writeDeps }, { ...DEFAULT_SCHEDULER, ...options.scheduler });
  let started = false;
  const workflows = new WorkflowsService(store, catalog, config.objectTypes, clock, config.maxChainDepth, (tenant) => config.connectorTypes(tenant));

  return {
    store,
    config,
    clock,
    events,
    records: new RecordsService(store, catalog, writeDeps, alerts),
    occurrences: new OccurrencesService(store, catalog, writeDeps, alerts),
    workflows,
    objectTypes: new ObjectTypesService(store, catalog, clock),
    stops: new StopsService(store, catalog, workflows, clock),
    executions: new ExecutionsService(store),
    deadLetters: new DeadLettersService(store, clock),
    explain: new ExplainService(store, catalog),
    metrics: createMetrics(events, store),
    worker,
    scheduler,
    schedules: new SchedulesService(store, catalog),
    async start() {
      await store.migrate();
      // Expression indexes on the fields config declares (objects.<type>.indexes); idempotent.
      await store.ensureFieldIndexes(declaredFieldIndexes(config.objectTypes.values()));
      if (options.runWorker !== false && !started) {
        worker.start();
        scheduler.start();
      }
      started = true;
    },
    async stop() {
      if (started) await Promise.all([worker.stop(), scheduler.stop()]);
      // Outcomes still counted in memory reach the shared breakers (a failed write is reported).
      await breakers.flush().catch((error: unknown) => events.emit('worker:error', error));
      // Condition measurements still in memory reach the shared stats (the ordering survives a restart).
      await conditionStats.flush().catch((error: unknown) => events.emit('worker:error', error));
      started = false;
    },
  };
}
