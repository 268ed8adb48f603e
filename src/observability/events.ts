// A typed event map: what the engine reports as it runs. Tests await these instead of sleeping;
// metrics and logs subscribe to them.
import { EventEmitter } from 'node:events';
import type { AlertRow, ExecutionRow, ExecutionStatus, StepRow } from '../domain/types.js';

export interface EngineEventMap {
  'execution:claimed': [execution: ExecutionRow];
  'execution:finished': [execution: ExecutionRow, status: ExecutionStatus, reason: string | null];
  'step:finished': [execution: ExecutionRow, step: StepRow];
  'worker:error': [error: unknown];
  'lease:lost': [executionId: string];
  'alert:raised': [alert: AlertRow];
  'alert:undelivered': [alert: AlertRow, error: unknown];
  'connector:called': [tenant: string, connector: string, ok: boolean, costPerCall: number];
}

export class EngineEvents extends EventEmitter<EngineEventMap> {}
