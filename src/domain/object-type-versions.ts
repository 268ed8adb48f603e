// Object types defined through the API (PUT /v1/objects/{type}): numbered, immutable versions per
// tenant and type, on top of the built-in and configured types (records/tenant-object-types.ts).
import type { FieldSpec, ValidationRule } from './types.js';

/** What a PUT body holds, in the shape config's `objects.<type>` uses (indexes stay in config). */
export interface ObjectTypeDefinition {
  fields?: Record<string, FieldSpec>;
  rules?: ValidationRule[];
}

/** One stored version of a tenant's object type definition. */
export interface ObjectTypeVersionRow {
  tenant: string;
  type: string;
  version: number;
  definition: ObjectTypeDefinition;
  /** sha256 of the canonical definition: a PUT with the same content makes no new version. */
  hash: string;
  /** Who stored it (the API token's name). */
  createdBy: string;
  createdAt: number;
}
