// The workflow document's shape, as written in YAML/JSON or TypeScript: every key that does not
// depend on which actions exist. Actions read a step through it; definitions/schema.ts builds the
// full schema from it and the action catalog. TypeBox schemas are plain values, so this stays pure.
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'lowercase letters, digits, "-", "_" or "."' });
const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'e.g. 250ms, 5s, 10m, 24h, 7d' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
/** A CEL expression. String literals are quoted: '"high"'. */
export const Cel = Type.String({ minLength: 1, description: 'a CEL expression' });

/** Keys of the time triggers (`on: schedule`, `on: date`); definitions/time-trigger.ts checks how they combine. */
const TimeTriggerProperties = {
  cron: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'schedule: a cron pattern, five fields or six with seconds first' })),
  every: Type.Optional(Type.String({ pattern: '^\\d+(ms|s|m|h|d)$', description: 'schedule: a fixed interval, at least 1s, e.g. 15m' })),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'an IANA time zone, e.g. Europe/Berlin (default UTC)' })),
  missed: Type.Optional(Type.Union([Type.Literal('skip'), Type.Literal('once'), Type.Literal('all')], { description: 'missed fires after downtime: skip, once (default: the latest runs) or all (capped)' })),
  for_each: Type.Optional(Type.Object({ object: Type.String({ minLength: 1 }), where: Type.Optional(Cel) }, { additionalProperties: false, description: 'schedule: run once per record of this type matching where' })),
  object: Type.Optional(Type.String({ minLength: 1, description: 'date: the object type (the workflow\'s object)' })),
  after: Type.Optional(Type.Literal('created', { description: 'date: anchor on the record\'s creation instead of a field' })),
  offset: Type.Optional(Type.String({ pattern: '^[-+]?\\d+(s|m|h|d)$', description: 'date: before (-) or after the anchor, e.g. -3d, 7d, 2h' })),
  at: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'date: local time of day HH:MM in timezone' })),
};

export const TriggerSchema = Type.Object(
  {
    on: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted'), Type.Literal('field_changed'), Type.Literal('schedule'), Type.Literal('date')], {
      description: 'created, updated, deleted, or field_changed (the most specific); schedule (cron or every) or date (relative to a date field)',
    }),
    ...TimeTriggerProperties,
    field: Type.Optional(Type.String({ description: 'field_changed: the field' })),
    from: Type.Optional(Scalar),
    to: Type.Optional(Scalar),
    on_create: Type.Optional(Type.Boolean({ default: true, description: 'field_changed: also fire when a record is created with the field set (default true); false: updates only' })),
    fields: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'updated: fire only when one of these changed' })),
  },
  { additionalProperties: false },
);

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

/**
 * A lookup condition: an outside call through an `http` connector, then `when` over its answer
 * (`result`, the response body). The request's keys are checked against http.request's in a second
 * pass (definitions/schema.ts LOOKUP_REQUEST_SCHEMA), as a step's are against its action's.
 */
export const LookupConditionSchema = Type.Object(
  {
    lookup: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'its name: later steps read the answer as lookups.<name>' }),
    name: Type.Optional(Type.String()),
    connector: Type.String({ minLength: 1, description: 'name of a configured http connector' }),
    request: Type.Record(Type.String(), Type.Unknown(), { description: 'as http.request: method (default GET), path or url, headers, body' }),
    when: Cel,
    timeout: Type.Optional(Duration),
    retry: Type.Optional(RetrySchema),
  },
  { additionalProperties: false },
);

export const ConditionSchema = Type.Union([
  Cel,
  Type.Object({ name: Type.Optional(Type.String()), expr: Cel }, { additionalProperties: false }),
  LookupConditionSchema,
]);

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
export type LookupCondition = Static<typeof LookupConditionSchema>;
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
