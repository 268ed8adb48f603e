// Object types: the built-in CRM types plus custom ones declared in config, with typed fields and
// validation rules. Pure: validation takes data and returns problems.
import { validationError, type FieldProblem } from '../errors.js';
import type { FieldSpec, Json, ObjectTypeSpec, RecordData, ValidationRule } from '../domain/types.js';

const s = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'string', ...extra });
const n: FieldSpec = { type: 'number' };
const dt: FieldSpec = { type: 'datetime' };
const b: FieldSpec = { type: 'boolean' };

/** Built-in types; config may add fields and rules to them or declare new types. */
export const BUILT_IN_TYPES: Record<string, Omit<ObjectTypeSpec, 'name'>> = {
  lead: {
    fields: {
      name: s(), email: s(), company: s(), phone: s(), source: s(), status: s(), owner: s(), territory: s(),
      score: n, country: s(), region: s(), assigned_at: dt, welcome_sent: b, last_contacted_at: dt,
    },
    rules: [],
  },
  contact: {
    fields: { name: s(), email: s(), phone: s(), title: s(), account_id: s(), owner: s() },
    rules: [],
  },
  account: {
    fields: { name: s(), domain: s(), industry: s(), employees: { type: 'integer' }, owner: s(), territory: s(), tier: s() },
    rules: [],
  },
  deal: {
    fields: {
      name: s(), amount: n, stage: s(), owner: s(), owner_team: s(), account_id: s(), close_date: dt,
      priority: s(), flagged_at: dt, probability: n,
    },
    rules: [
      { name: 'closed-won-needs-amount', when: 'has(record.stage) && record.stage == "Closed Won"', require: 'has(record.amount) && record.amount > 0.0', message: 'a Closed Won deal needs an amount above 0' },
    ],
  },
  notification: {
    fields: { recipient: s({ required: true }), title: s({ required: true }), body: s(), read: b, related_type: s(), related_id: s() },
    rules: [],
  },
  task: {
    fields: {
      subject: s({ required: true }), status: s(), owner: s(), due_at: dt, related_type: s(), related_id: s(),
      priority: s(), description: s(),
    },
    rules: [],
  },
};

export interface ObjectTypeConfig {
  fields?: Record<string, FieldSpec>;
  rules?: ValidationRule[];
  /** Fields to index in the store (list filters and sorts on them use the index). */
  indexes?: string[];
}

/**
 * Merges built-ins with config: config fields extend (or override) a built-in's fields. An index
 * on a field the type does not declare is a CONFIG_INVALID naming it (and `file`, when given).
 */
export function resolveObjectTypes(config: Record<string, ObjectTypeConfig> = {}, file?: string): Map<string, ObjectTypeSpec> {
  const types = new Map<string, ObjectTypeSpec>();
  for (const [name, spec] of Object.entries(BUILT_IN_TYPES)) {
    types.set(name, { name, fields: { ...spec.fields }, rules: [...spec.rules] });
  }
  const problems: FieldProblem[] = [];
  for (const [name, spec] of Object.entries(config)) {
    const base = types.get(name) ?? { name, fields: {}, rules: [] };
    const merged: ObjectTypeSpec = { name, fields: { ...base.fields, ...spec.fields }, rules: [...base.rules, ...(spec.rules ?? [])] };
    spec.indexes?.forEach((field, i) => {
      if (!fieldSpec(merged, field)) problems.push({ file, path: `/objects/${name}/indexes/${i}`, message: `${name} has no field "${field}" to index` });
    });
    if (spec.indexes && spec.indexes.length > 0) merged.indexes = [...new Set(spec.indexes)];
    types.set(name, merged);
  }
  if (problems.length > 0) throw validationError(problems, 'CONFIG_INVALID');
  return types;
}

/**
 * The spec of a field the type declares, else undefined. Own keys only: `fields` is a plain
 * object, so `fields["constructor"]` or `"toString" in fields` would find Object.prototype's
 * members, and a user-given name must never be taken for a field that way.
 */
export function fieldSpec(type: ObjectTypeSpec, field: string): FieldSpec | undefined {
  return Object.hasOwn(type.fields, field) ? type.fields[field] : undefined;
}

/**
 * How deep a field value may nest. Every field type today is a scalar, so any object or array is
 * already wrong; the bound matters for the checks that describe the value, and for any structured
 * field type added later. Measured iteratively, so a hostile value cannot overflow the stack here.
 */
export const MAX_VALUE_DEPTH = 32;

/** True when `value` nests objects or arrays more than `max` levels deep (a scalar is depth 0). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > max) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth });
  }
  return false;
}

/** Field-level check of data against a type: unknown fields, wrong types, picklists. */
export function checkFields(type: ObjectTypeSpec, data: Record<string, unknown>, pathPrefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, value] of Object.entries(data)) {
    const spec = fieldSpec(type, field);
    const path = `${pathPrefix}/${field}`;
    if (!spec) {
      problems.push({ path, message: `unknown field "${field}" for object type ${type.name}` });
      continue;
    }
    if (value === null) continue;
    if (nestedDeeperThan(value, MAX_VALUE_DEPTH)) {
      problems.push({ path, message: `the value nests more than ${MAX_VALUE_DEPTH} levels deep` });
      continue;
    }
    const problem = checkValue(spec, value);
    if (problem) problems.push({ path, message: problem });
  }
  return problems;
}

export function checkRequired(type: ObjectTypeSpec, data: RecordData): FieldProblem[] {
  return Object.entries(type.fields)
    .filter(([field, spec]) => spec.required && (!Object.hasOwn(data, field) || data[field] === undefined || data[field] === null))
    .map(([field]) => ({ path: `/${field}`, message: `field "${field}" is required for ${type.name}` }));
}

function checkValue(spec: FieldSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `expected a string, got ${describe(value)}`;
      if (spec.values && !spec.values.includes(value)) return `must be one of ${spec.values.join(', ')}`;
      return undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `expected a number, got ${describe(value)}`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : `expected an integer, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : `expected an ISO 8601 date-time string, got ${describe(value)}`;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  // Not the object itself: echoing a large or deep value back into the problem helps nobody.
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}

/** Removes nulls: null in a patch clears a field, so the stored data never holds null. */
export function withoutNulls(data: Record<string, Json>): RecordData {
  // fromEntries defines own keys: assigning out["__proto__"] would set the prototype instead.
  return Object.fromEntries<Json>(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
}
