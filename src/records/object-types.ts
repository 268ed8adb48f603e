// Object types: the built-in CRM types plus custom ones declared in config, with typed fields and
// validation rules. Pure: validation takes data and returns problems.
import type { FieldProblem } from '../errors.js';
import type { Json, RecordData } from '../store/types.js';

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'datetime';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  /** For strings: the allowed values (a picklist). */
  values?: string[];
}

export interface ValidationRule {
  name: string;
  /** CEL over `record`: when this is true the rule applies. Omitted: always. */
  when?: string;
  /** CEL over `record` that must be true when the rule applies. */
  require: string;
  message: string;
}

export interface ObjectTypeSpec {
  name: string;
  fields: Record<string, FieldSpec>;
  rules: ValidationRule[];
}

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
}

/** Merges built-ins with config: config fields extend (or override) a built-in's fields. */
export function resolveObjectTypes(config: Record<string, ObjectTypeConfig> = {}): Map<string, ObjectTypeSpec> {
  const types = new Map<string, ObjectTypeSpec>();
  for (const [name, spec] of Object.entries(BUILT_IN_TYPES)) {
    types.set(name, { name, fields: { ...spec.fields }, rules: [...spec.rules] });
  }
  for (const [name, spec] of Object.entries(config)) {
    const base = types.get(name) ?? { name, fields: {}, rules: [] };
    types.set(name, { name, fields: { ...base.fields, ...spec.fields }, rules: [...base.rules, ...(spec.rules ?? [])] });
  }
  return types;
}

/** Field-level check of data against a type: unknown fields, wrong types, picklists. */
export function checkFields(type: ObjectTypeSpec, data: Record<string, unknown>, pathPrefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, value] of Object.entries(data)) {
    const spec = type.fields[field];
    const path = `${pathPrefix}/${field}`;
    if (!spec) {
      problems.push({ path, message: `unknown field "${field}" for object type ${type.name}` });
      continue;
    }
    if (value === null) continue;
    const problem = checkValue(spec, value);
    if (problem) problems.push({ path, message: problem });
  }
  return problems;
}

export function checkRequired(type: ObjectTypeSpec, data: RecordData): FieldProblem[] {
  return Object.entries(type.fields)
    .filter(([field, spec]) => spec.required && (data[field] === undefined || data[field] === null))
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
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}

/** Removes nulls: null in a patch clears a field, so the stored data never holds null. */
export function withoutNulls(data: Record<string, Json>): RecordData {
  const out: RecordData = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
