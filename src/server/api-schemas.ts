// Response shapes of the API, for the OpenAPI document and the serializer. Every time is an ISO
// 8601 string (`format: date-time`): the serializer refuses a number there, so a time a route
// forgot to present (present.ts) fails its tests instead of reaching a client as epoch ms.
// Objects allow more properties than they list: fields added to a row pass through.
import { Type, type TSchema } from '@sinclair/typebox';
import { validationError } from '../errors.js';

export const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date-time, UTC (e.g. 2026-11-26T04:04:44.593Z)' });
const MaybeTime = Type.Union([IsoTime, Type.Null()]);
const open = { additionalProperties: true } as const;

/**
 * A query parameter that takes a time: ISO 8601 with a time zone (`2026-11-26T04:04:44Z`,
 * `2026-11-26T05:04:44.593+01:00`). Parse it with `parseTimeParam`.
 */
export const TimeParam = (description: string) => Type.String({ format: 'date-time', description: `${description}; ISO 8601 with a time zone, e.g. 2026-11-26T04:04:44Z` });

/** A time query parameter (already checked against `TimeParam`) -> epoch ms, the engine's unit. */
export function parseTimeParam(name: string, value: string): number;
export function parseTimeParam(name: string, value: string | undefined): number | undefined;
export function parseTimeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw validationError([{ path: `/querystring/${name}`, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-26T04:04:44Z' }]);
  return ms;
}

export const Items = (item: TSchema, extra: Record<string, TSchema> = {}) => Type.Object({ items: Type.Array(item), ...extra }, open);

export const RecordSchema = Type.Object({
  type: Type.String(), id: Type.String(), version: Type.Integer(), data: Type.Record(Type.String(), Type.Unknown()), createdAt: IsoTime, updatedAt: IsoTime,
}, open);

const Str = Type.String();
const MaybeStr = Type.Union([Type.String(), Type.Null()]);
const Int = Type.Integer();
const MaybeInt = Type.Union([Type.Integer(), Type.Null()]);
const AnyJson = Type.Unknown();

// Properties are listed in the row's own order: the serializer writes listed ones first.
export const ChangeSchema = Type.Object({
  id: Str, seq: Type.Optional(Int), tenant: Str, type: Str, recordId: Str, operation: Str, before: AnyJson, after: AnyJson,
  changedFields: Type.Array(Str), versionBefore: MaybeInt, versionAfter: MaybeInt,
  actor: Type.Unknown({ description: 'who made it: { kind: "user", id: <the API token\'s name> } or { kind: "workflow", workflowId, version, executionId, stepId }' }),
  cause: AnyJson, at: IsoTime,
}, open);

export const StepSchema = Type.Object({
  executionId: Str, stepId: Str, attempt: Int, status: Str, output: AnyJson, error: MaybeStr, startedAt: IsoTime, finishedAt: IsoTime,
}, open);

export const ExecutionSchema = Type.Object({
  id: Str, tenant: Str, kind: Str, workflowId: Str, version: Int, triggerKey: Str, occurrenceKind: Str, stepId: Str, parentId: MaybeStr,
  recordType: Str, recordId: Str, lane: Str, status: Str, attempt: Int, runAt: IsoTime, leaseUntil: MaybeTime, workerId: MaybeStr,
  rootChangeId: Str, depth: Int, reason: MaybeStr, input: AnyJson, createdAt: IsoTime, startedAt: MaybeTime, finishedAt: MaybeTime, leaseExpiries: Int,
}, open);

export const ExecutionDetailSchema = Type.Object({
  ...ExecutionSchema.properties, steps: Type.Array(StepSchema), durationMs: Type.Union([Type.Number(), Type.Null()]),
}, open);

export const AttemptSchema = Type.Object({
  executionId: Str, stepId: Str, attempt: Int, action: Str, error: Str, code: Str, retryable: Type.Boolean(), startedAt: IsoTime, finishedAt: IsoTime,
}, open);

export const DeadLetterSchema = Type.Object({
  ...ExecutionSchema.properties, trigger: Type.Union([ChangeSchema, Type.Null()]), steps: Type.Array(StepSchema), attempts: Type.Array(AttemptSchema),
}, open);

export const WorkflowSchema = Type.Object({
  tenant: Str, workflowId: Str, enabled: Type.Boolean(), latestVersion: Int, activeVersion: Int, updatedAt: IsoTime,
}, open);

export const WorkflowVersionSchema = Type.Object({ tenant: Str, workflowId: Str, version: Int, definition: AnyJson, hash: Str, createdAt: IsoTime }, open);

export const AlertSchema = Type.Object({ id: Str, tenant: Str, kind: Str, severity: Str, message: Str, details: AnyJson, at: IsoTime }, open);

export const BreakerSchema = Type.Object({
  tenant: Str, key: Str,
  state: Type.Object({ state: Type.String(), openedAt: MaybeTime, lastProbeAt: MaybeTime, history: Type.Array(Type.Object({ at: IsoTime }, open)) }, open),
  updatedAt: IsoTime,
}, open);
