// Deploy-time checks of the connectors a workflow names. A connector exists per tenant, in config:
// unchecked, a typo'd name passes deploy and dead-letters every execution with CONNECTOR_INVALID.
// Pure: the tenant's connectors arrive as data (name -> type), compile never reads config.
import type { ActionSpec } from '../actions/types.js';
import type { FieldProblem } from '../errors.js';

/** A tenant's configured connectors, name -> connector type, in configuration order. */
export type ConnectorCatalogue = ReadonlyMap<string, string>;

/**
 * Problems with the connector an external step (or fallback) at `path` names: not configured for
 * the tenant, or of a type the action does not speak. A missing or non-string name is the
 * action's own compile problem, so it is not repeated here.
 */
export function connectorProblems(
  action: ActionSpec,
  name: unknown,
  catalogue: ConnectorCatalogue,
  tenant: string,
  path: string,
): FieldProblem[] {
  if (action.kind !== 'external' || typeof name !== 'string' || name === '') return [];
  const at = `${path}/connector`;
  const type = catalogue.get(name);
  if (type === undefined) {
    const configured = catalogue.size > 0 ? [...catalogue.keys()].join(', ') : 'none';
    return [{ path: at, message: `connector "${name}" is not configured for tenant ${tenant} (configured: ${configured})` }];
  }
  if (type !== action.connectorType) {
    return [{ path: at, message: `connector "${name}" is ${type}; ${action.type} needs ${action.connectorType}` }];
  }
  return [];
}
