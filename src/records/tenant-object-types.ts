// The object types one tenant sees: the built-in and configured ones (the base, the same for every
// tenant) with the tenant's API-defined versions on top (PUT /v1/objects/{type}). An API
// definition extends its base like config extends a built-in: its fields are added to (or
// override) the base's, its rules are added after the base's. Pure.
import { Type } from '@sinclair/typebox';
import type { ObjectTypeDefinition } from '../domain/object-type-versions.js';
import type { ObjectTypeSpec } from '../domain/types.js';

/** Object type and field names: what config allows too. */
export const NAME_PATTERN = '^[a-z][a-z0-9_]*$';

export const FieldSpecSchema = Type.Object({
  type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean'), Type.Literal('datetime')]),
  required: Type.Optional(Type.Boolean()),
  values: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
}, { additionalProperties: false });

export const RuleSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }), when: Type.Optional(Type.String({ maxLength: 8192 })),
  require: Type.String({ maxLength: 8192 }), message: Type.String({ maxLength: 1024 }),
}, { additionalProperties: false });

/** A PUT /v1/objects/{type} body. Bounded, so a hostile definition costs little to check. */
export const ObjectTypeDefinitionSchema = Type.Object({
  fields: Type.Optional(Type.Record(Type.String({ pattern: NAME_PATTERN, maxLength: 64 }), FieldSpecSchema, { maxProperties: 500, additionalProperties: false })),
  rules: Type.Optional(Type.Array(RuleSchema, { maxItems: 100 })),
}, { additionalProperties: false });

/** The base type with one API definition on top (a type the base lacks starts empty). */
export function extendObjectType(name: string, base: ObjectTypeSpec | undefined, layer: ObjectTypeDefinition): ObjectTypeSpec {
  const merged: ObjectTypeSpec = {
    name,
    fields: { ...base?.fields, ...layer.fields },
    rules: [...(base?.rules ?? []), ...(layer.rules ?? [])],
  };
  if (base?.indexes) merged.indexes = [...base.indexes];
  return merged;
}

/** The tenant's types: the base with every API definition (type -> its current definition) on top. */
export function tenantObjectTypes(base: ReadonlyMap<string, ObjectTypeSpec>, layers: ReadonlyMap<string, ObjectTypeDefinition>): Map<string, ObjectTypeSpec> {
  const types = new Map(base);
  for (const [name, layer] of layers) types.set(name, extendObjectType(name, base.get(name), layer));
  return types;
}
