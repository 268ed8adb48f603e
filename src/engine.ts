// The composition root: wires the store, clock, catalog, services and the worker.
import type { ResolvedConnector } from './actions/types.js';
import { systemClock, type Clock } from './clock.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { ConditionStats } from './conditions/ordering.js';
import { SwitchyardError } from './errors.js';
import { LoopGuard } from './execution/loop-guard.js';
import { ExecutionRunner } from './execution/runner.js';
import { Worker } from './execution/worker.js';
import { EngineEvents } from './observability/events.js';
import { RecordValidator } from './records/validator.js';
import { Catalog } from './services/catalog.js';
import { ExecutionsService } from './services/executions-service.js';
import { RecordsService } from './services/records-service.js';
import { WorkflowsService } from './services/workflows-service.js';
import type { WriteDeps } from './services/write-path.js';
import type { Store } from './store/port.js';

export interface EngineOptions {
  store: Store;
  config?: ResolvedConfig;
  clock?: Clock;
  /** Run the worker loop in this process (default true). A serve-only process sets false. */
  runWorker?: boolean;
}

export interface Engine {
  readonly store: Store;
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly events: EngineEvents;
  readonly records: RecordsService;
  readonly workflows: WorkflowsService;
  readonly executions: ExecutionsService;
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
  const connector = (_tenant: string, name: string): ResolvedConnector => {
    throw new SwitchyardError('VALIDATION_FAILED', `connector "${name}" is not configured`);
  };
  const runner = new ExecutionRunner({ store, catalog, clock, events, writeDeps, conditionStats: new ConditionStats(), connector });
  const worker = new Worker(store, runner, clock, config.worker, events);
  let started = false;

  return {
    store,
    config,
    clock,
    events,
    records: new RecordsService(store, catalog, validator, clock, writeDeps),
    workflows: new WorkflowsService(store, catalog, config.objectTypes, clock, config.maxChainDepth),
    executions: new ExecutionsService(store),
    worker,
    async start() {
      await store.migrate();
      if (options.runWorker !== false && !started) worker.start();
      started = true;
    },
    async stop() {
      if (started) await worker.stop();
      started = false;
    },
  };
}
