// Every action type the engine knows, by type name.
import { CONNECTOR_ACTIONS } from './connectors/index.js';
import { DATA_ACTIONS } from './data-actions.js';
import type { ActionSpec } from './types.js';

export const ACTION_SPECS: ActionSpec[] = [...DATA_ACTIONS, ...CONNECTOR_ACTIONS];

const byType = new Map(ACTION_SPECS.map((spec) => [spec.type, spec]));

export function actionSpec(type: string): ActionSpec | undefined {
  return byType.get(type);
}
