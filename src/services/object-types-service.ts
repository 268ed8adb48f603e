// Object types through the API: PUT /v1/objects/{type} stores a new numbered version of the
// tenant's definition of a type (on top of config's, records/tenant-object-types.ts), checked like
// a workflow deploy: the shape, every rule's CEL, and every deployed workflow against the result.
// Storing bumps the tenant's catalog revision, so the next write in every process uses it.
import type { Clock } from '../clock.js';
import { CelScope } from '../conditions/cel.js';
import { compileWorkflow } from '../definitions/compile.js';
import { dangerousChanges, fieldUses, type FieldUse } from '../definitions/object-type-impact.js';
import { schemaProblems } from '../definitions/validate.js';
import type { ObjectTypeDefinition, ObjectTypeVersionRow } from '../domain/object-type-versions.js';
import type { ObjectTypeSpec } from '../domain/types.js';
import type { WorkflowDefinition } from '../domain/workflow.js';
import { isSwitchyardError, SwitchyardError, validationError, type FieldProblem } from '../errors.js';
import { extendObjectType, NAME_PATTERN, ObjectTypeDefinitionSchema } from '../records/tenant-object-types.js';
import type { Store } from '../store/port.js';
import type { Catalog } from './catalog.js';
import { hashDefinition } from './workflows-service.js';

export interface ObjectTypeView {
  type: string;
  /** The tenant's current API version of the type; null when only built-in or config define it. */
  version: number | null;
  fields: ObjectTypeSpec['fields'];
  rules: ObjectTypeSpec['rules'];
  indexes?: string[];
}

export interface PutObjectTypeResult {
  type: string;
  version: number;
  created: boolean;
}

const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'datetime'] as const;

/** Attempts when another process stores a version of the same type at the same moment. */
const PUT_ATTEMPTS = 5;

export class ObjectTypesService {
  constructor(private readonly store: Store, private readonly catalog: Catalog, private readonly clock: Clock) {}

  async list(tenant: string): Promise<ObjectTypeView[]> {
    const catalog = await this.catalog.forTenant(tenant);
    return [...catalog.types.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => view(t, catalog.objectTypeVersions.get(t.name)));
  }

  async show(tenant: string, type: string): Promise<ObjectTypeView & { versions: ObjectTypeVersionRow[] }> {
    const catalog = await this.catalog.forTenant(tenant);
    const spec = catalog.validator.type(type);
    return { ...view(spec, catalog.objectTypeVersions.get(type)), versions: await this.store.listObjectTypeVersions(tenant, type) };
  }

  /** Stores a new version of the tenant's definition of `type`; the same content again answers the current version. */
  async put(tenant: string, type: string, body: unknown, createdBy: string): Promise<PutObjectTypeResult> {
    const definition = checkShape(type, body);
    const hash = hashDefinition(definition);
    for (let attempt = 1; ; attempt++) {
      const catalog = await this.catalog.forTenant(tenant, attempt > 1);
      const current = catalog.objectTypeVersions.get(type);
      if (current?.hash === hash) return { type, version: current.version, created: false };
      const proposed = extendObjectType(type, this.catalog.baseTypes.get(type), definition);
      checkRules(proposed, this.catalog.baseTypes.get(type)?.rules.length ?? 0);
      const types = new Map(catalog.types).set(type, proposed);
      await this.checkWorkflows(tenant, type, catalog.types.get(type), types);
      const version = (current?.version ?? 0) + 1;
      const row: ObjectTypeVersionRow = { tenant, type, version, definition, hash, createdBy, createdAt: this.clock.now() };
      if (await this.store.insertObjectTypeVersion(row)) {
        await this.catalog.forTenant(tenant, true);
        return { type, version, created: true };
      }
      // Another process stored this version number first: check again against what it stored.
      if (attempt >= PUT_ATTEMPTS) throw new SwitchyardError('INTERNAL', `object type ${type}: version ${version} was taken ${PUT_ATTEMPTS} times by concurrent changes; try again`);
    }
  }

  /**
   * Every deployed (enabled) workflow must still compile against the new types, and none may use a
   * field the change removes or retypes: OBJECT_TYPE_IN_USE naming each workflow and path.
   */
  private async checkWorkflows(tenant: string, type: string, before: ObjectTypeSpec | undefined, types: Map<string, ObjectTypeSpec>): Promise<void> {
    const changes = before ? dangerousChanges(before, types.get(type) as ObjectTypeSpec) : [];
    const problems: FieldProblem[] = [];
    const uses: (FieldUse & { version: number })[] = [];
    for (const row of await this.store.listActiveVersions(tenant)) {
      const def = row.definition as unknown as WorkflowDefinition;
      if (before && changes.length > 0) {
        for (const use of fieldUses(def, type, before, changes.map((c) => c.field))) {
          const change = changes.find((c) => c.field === use.field);
          const what = change?.to ? `retypes ${type}.${use.field} from ${change.from.type} to ${change.to.type}` : `removes ${type}.${use.field}`;
          uses.push({ ...use, version: row.version });
          problems.push({ path: `/fields/${use.field}`, message: `this ${what}, and workflow ${def.id} (v${row.version}) ${use.how} it at ${use.path}` });
        }
      }
      try {
        compileWorkflow(def, types, { tenant, version: row.version });
      } catch (error) {
        if (!isSwitchyardError(error)) throw error;
        for (const p of error.problems) problems.push({ path: '/fields', message: `workflow ${def.id} (v${row.version}) would no longer compile: ${p.path}: ${p.message}` });
      }
    }
    if (problems.length === 0) return;
    const first = problems[0] as FieldProblem;
    throw new SwitchyardError('OBJECT_TYPE_IN_USE', `${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      problems, extra: { uses: uses.map((u) => ({ workflowId: u.workflowId, version: u.version, path: u.path, field: u.field })) },
    });
  }
}

function view(spec: ObjectTypeSpec, current: ObjectTypeVersionRow | undefined): ObjectTypeView {
  return { type: spec.name, version: current?.version ?? null, fields: spec.fields, rules: spec.rules, ...(spec.indexes ? { indexes: spec.indexes } : {}) };
}

/**
 * The body's shape, with each problem at its JSON pointer in the definition (OBJECT_TYPE_INVALID);
 * returns the definition without undefined keys. The route runs it before the server's own schema
 * check, which would drop unknown keys (a mistyped "feilds") instead of refusing them.
 */
export function checkShape(type: string, body: unknown): ObjectTypeDefinition {
  if (!new RegExp(NAME_PATTERN).test(type) || type.length > 64) {
    throw validationError([{ path: '/type', message: `"${type}" is not an object type name: lowercase letters, digits and "_", starting with a letter, at most 64` }], 'OBJECT_TYPE_INVALID');
  }
  if (body && typeof body === 'object' && !Array.isArray(body) && 'indexes' in body) {
    throw validationError([{ path: '/indexes', message: `indexes are declared in config (objects.${type}.indexes): building one needs a migrate` }], 'OBJECT_TYPE_INVALID');
  }
  const problems = schemaProblems(ObjectTypeDefinitionSchema, body).map((p) => (/^\/fields\/[^/]+\/type$/.test(p.path) ? { ...p, message: fieldTypeMessage(body, p.path) } : p));
  if (problems.length > 0) throw validationError(problems, 'OBJECT_TYPE_INVALID');
  const { fields, rules } = body as ObjectTypeDefinition;
  return { ...(fields ? { fields } : {}), ...(rules ? { rules } : {}) };
}

/** A field's type is one of five; the schema's own message ("Expected union value") does not say which. */
function fieldTypeMessage(body: unknown, path: string): string {
  const field = path.split('/')[2] ?? '';
  const given = ((body as { fields: Record<string, { type?: unknown }> }).fields[field] ?? {}).type;
  return `must be one of ${FIELD_TYPES.join(', ')}, got ${JSON.stringify(given) ?? 'nothing'}`;
}

/** Every rule of the merged type compiles as CEL over it; the definition's own rules are at /rules/<i>. */
function checkRules(type: ObjectTypeSpec, baseRules: number): void {
  const scope = new CelScope(type);
  const problems: FieldProblem[] = [];
  type.rules.forEach((rule, i) => {
    const own = i >= baseRules;
    for (const key of ['when', 'require'] as const) {
      const source = rule[key];
      if (source === undefined) continue;
      const compiled = scope.compile(source);
      if (compiled.ok) continue;
      problems.push(own
        ? { path: `/rules/${i - baseRules}/${key}`, message: `invalid CEL: ${compiled.error}` }
        : { path: '/fields', message: `the configured rule ${rule.name} of ${type.name} would no longer compile: ${key}: ${compiled.error}` });
    }
  });
  if (problems.length > 0) throw validationError(problems, 'OBJECT_TYPE_INVALID');
}
