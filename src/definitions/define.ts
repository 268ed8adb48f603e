// Workflows as typed TypeScript objects: the same schema as YAML files, checked at definition time.
import { validateDefinitionShape } from './validate.js';
import type { WorkflowDefinition } from '../domain/workflow.js';

/**
 * Returns the definition after checking its shape (throws WORKFLOW_INVALID naming every problem).
 * CEL and field names are checked against object types when it is deployed.
 */
export function defineWorkflow<const T extends WorkflowDefinition>(definition: T): T {
  validateDefinitionShape(definition, 'defineWorkflow');
  return definition;
}
