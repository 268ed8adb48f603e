// The workflow document's shape, as written in YAML/JSON or TypeScript: every key that does not
// depend on which actions exist. Actions read a step through it; definitions/schema.ts builds the
// full schema from it and the action catalog. TypeBox schemas are plain values, so this stays pure.
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'lowercase letters, digits, "-", "_" or "."' });
const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'e.g. 250ms, 5s, 10m, 24h, 7d' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
/** A CEL expression. String literals are quoted: '"high"'. */
export const Cel = Type.String({ minLength: 1, description: 'a CEL expression' });

export const TriggerSchema = Type.Object(
  {
    on: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted'), Type.Literal('field_changed')], {
      description: 'created, updated, deleted, or field_changed (the most specific)',
    }),
    field: Type.Optional(Type.String({ description: 'field_changed: the field' })),
    from: Type.Optional(Scalar),
    to: Type.Optional(Scalar),
    fields: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'updated: fire only when one of these changed' })),
  },
  { additionalProperties: false },
);

export const ConditionSchema = Type.Union([
  Cel,
  Type.Object({ name: Type.Optional(Type.String()), expr: Cel }, { additionalProperties: false }),
]);

export const RetrySchema = Type.Object(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
    initial: Type.Optional(Duration),
    factor: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
    max: Type.Optional(Duration),
    jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

/** Keys every step has, whatever its type. */
export const StepBaseProperties = {
  id: Id,
  type: Type.String(),
  mode: Type.Optional(Type.Union([Type.Literal('sync'), Type.Literal('async')], { default: 'sync' })),
  when: Type.Optional(Cel),
  timeout: Type.Optional(Duration),
  retry: Type.Optional(RetrySchema),
};

export const ReentrySchema = Type.Object(
  {
    policy: Type.Union([Type.Literal('always'), Type.Literal('once'), Type.Literal('once_per_period'), Type.Literal('on_value_change')]),
    within: Type.Optional(Duration),
    per: Type.Optional(Type.Literal('record')),
  },
  { additionalProperties: false },
);

export const LoopSchema = Type.Object(
  {
    maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    budget: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    allowCycle: Type.Optional(Type.String({ minLength: 10, description: 'why this cycle is safe' })),
  },
  { additionalProperties: false },
);

/** Keys every workflow has; the published schema adds its steps as a union by type. */
export const workflowProperties = {
  id: Id,
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  object: Type.String({ minLength: 1 }),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  trigger: TriggerSchema,
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  concurrency: Type.Optional(Type.Union([Type.Literal('serial'), Type.Literal('parallel')], { default: 'serial', description: 'serial: one execution per record at a time' })),
  reentry: Type.Optional(ReentrySchema),
  loop: Type.Optional(LoopSchema),
};

/** First pass: the workflow's shape with steps checked only for their common keys. */
export const WorkflowShapeSchema = Type.Object(
  { ...workflowProperties, actions: Type.Array(Type.Object(StepBaseProperties, { additionalProperties: true }), { minItems: 1 }) },
  { additionalProperties: false },
);

export type Trigger = Static<typeof TriggerSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type RetryPolicyInput = Static<typeof RetrySchema>;
export type Reentry = Static<typeof ReentrySchema>;
export type LoopPolicy = Static<typeof LoopSchema>;

/** A step as written: common keys plus its type's own parameters. */
export interface StepDefinition {
  id: string;
  type: string;
  mode?: 'sync' | 'async';
  when?: string;
  timeout?: string;
  retry?: RetryPolicyInput;
  fallback?: { type: string; [key: string]: unknown }[];
  [param: string]: unknown;
}

export interface WorkflowDefinition {
  id: string;
  name: string;
  description?: string;
  object: string;
  enabled?: boolean;
  trigger: Trigger;
  conditions?: Condition[];
  actions: StepDefinition[];
  concurrency?: 'serial' | 'parallel';
  reentry?: Reentry;
  loop?: LoopPolicy;
}
