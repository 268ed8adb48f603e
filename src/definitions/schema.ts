// The workflow definition schema: one TypeBox schema checks YAML/JSON files and TypeScript
// objects alike, and is published as schema/workflow.schema.json for editors. The catalog-free
// shape (triggers, conditions, retry, the keys every step has) is domain/workflow.ts; this module
// adds each action's parameters from the catalog.
import { Type, type TSchema } from '@sinclair/typebox';
import { ACTION_SPECS } from '../actions/catalog.js';
import { httpRequest } from '../actions/connectors/http-request.js';
import { ConditionSchema, LookupConditionSchema, StepBaseProperties, workflowProperties } from '../domain/workflow.js';

function stepSchema(type: string, params: Record<string, TSchema>): TSchema {
  return Type.Object(
    { ...StepBaseProperties, type: Type.Literal(type), ...params, fallback: Type.Optional(Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }))) },
    { additionalProperties: false },
  );
}

/**
 * Each step type's full schema, for the second validation pass and for the published schema. A
 * Map, since it is looked up by the user's `type`: a plain object would answer "constructor".
 */
export const STEP_SCHEMAS: ReadonlyMap<string, TSchema> = new Map(
  ACTION_SPECS.map((spec) => [spec.type, stepSchema(spec.type, spec.params)]),
);

/** A lookup condition's request: http.request's parameters but its connector (the lookup names that). */
const { connector: _connector, ...lookupRequestParams } = httpRequest.params;
export const LOOKUP_REQUEST_SCHEMA = Type.Object(lookupRequestParams, { additionalProperties: false });

/** The lookup condition with its request spelled out, for the second validation pass and the published schema. */
export const LOOKUP_CONDITION_SCHEMA = Type.Object({ ...LookupConditionSchema.properties, request: LOOKUP_REQUEST_SCHEMA }, { additionalProperties: false });

/** The published schema: steps as a union by type. */
export const WorkflowSchema = Type.Object(
  {
    ...workflowProperties,
    conditions: Type.Optional(Type.Array(Type.Union([...ConditionSchema.anyOf.filter((c) => c !== LookupConditionSchema), LOOKUP_CONDITION_SCHEMA]))),
    actions: Type.Array(Type.Union([...STEP_SCHEMAS.values()]), { minItems: 1 }),
  },
  { additionalProperties: false, $id: 'https://switchyard.dev/schema/workflow.schema.json', title: 'Switchyard workflow' },
);
