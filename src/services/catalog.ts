// The deployed workflows of each tenant, compiled, with their trigger index, and the tenant's
// object types (config's, with the tenant's API-defined versions on top) with their validator.
// Cached per tenant and keyed by the store's catalog revision, so a deploy or an object type
// change in any process is seen by every write.
import { compileWorkflow, type CompiledWorkflow } from '../definitions/compile.js';
import type { WorkflowDefinition } from '../domain/workflow.js';
import { SwitchyardError } from '../errors.js';
import type { ObjectTypeSpec, WorkflowVersionRow } from '../domain/types.js';
import type { ObjectTypeVersionRow } from '../domain/object-type-versions.js';
import { tenantObjectTypes } from '../records/tenant-object-types.js';
import { RecordValidator } from '../records/validator.js';
import type { Store } from '../store/port.js';
import type { HoldRow } from '../store/stops.js';
import { TriggerIndex } from '../triggers/trigger-index.js';

export interface TenantCatalog {
  revision: number;
  index: TriggerIndex;
  /** The tenant's holds by workflow id ('*': the emergency stop); what they match is queued 'paused'. */
  holds: ReadonlyMap<string, HoldRow>;
  /** The tenant's object types: the base (built-in and config) with its API-defined versions on top. */
  types: Map<string, ObjectTypeSpec>;
  /** Checks record writes against `types`. */
  validator: RecordValidator;
  /** The current API-defined version of each type that has one. */
  objectTypeVersions: ReadonlyMap<string, ObjectTypeVersionRow>;
}

interface TenantTypes {
  types: Map<string, ObjectTypeSpec>;
  validator: RecordValidator;
}

/** Thrown inside a write transaction when the catalog moved since it was loaded; the write retries. */
export class CatalogStaleError extends Error {}

export class Catalog {
  private readonly tenants = new Map<string, TenantCatalog>();
  private readonly compiled = new Map<string, CompiledWorkflow>();
  /** Types and validator per set of API versions ('' = the base): compiling rules is not free. */
  private readonly typeSets = new Map<string, TenantTypes>();
  private readonly base: TenantTypes;

  /** `types`: the built-in and configured object types; their rules are compiled here (CONFIG_INVALID). */
  constructor(private readonly store: Store, types: Map<string, ObjectTypeSpec>) {
    this.base = { types, validator: new RecordValidator(types) };
    this.typeSets.set('', this.base);
  }

  /** The built-in and configured object types, without any tenant's API versions. */
  get baseTypes(): Map<string, ObjectTypeSpec> {
    return this.base.types;
  }

  /** The tenant's catalog, reloaded when the store's revision moved (or when forced). */
  async forTenant(tenant: string, force = false): Promise<TenantCatalog> {
    const revision = await this.store.getCatalogRevision(tenant);
    const cached = this.tenants.get(tenant);
    if (cached && cached.revision === revision && !force) return cached;
    const [versions, holds, objectTypes] = await Promise.all([
      this.store.listActiveVersions(tenant), this.store.listHolds(tenant), this.store.listCurrentObjectTypes(tenant),
    ]);
    const typesKey = objectTypes.map((t) => `${t.type}@${t.version}`).join(',');
    const { types, validator } = this.typeSet(tenant, typesKey, objectTypes);
    const catalog: TenantCatalog = {
      revision, index: new TriggerIndex(versions.map((v) => this.compile(v, types, typesKey))), holds: new Map(holds.map((h) => [h.workflowId, h])),
      types, validator, objectTypeVersions: new Map(objectTypes.map((t) => [t.type, t])),
    };
    this.tenants.set(tenant, catalog);
    return catalog;
  }

  /** A cached tenant catalog without a store round trip (may be stale: check in the transaction). */
  cached(tenant: string): TenantCatalog | undefined {
    return this.tenants.get(tenant);
  }

  /** A compiled version; versions are immutable, so the cache never goes stale. */
  async version(tenant: string, workflowId: string, version: number): Promise<CompiledWorkflow> {
    const catalog = this.tenants.get(tenant) ?? (await this.forTenant(tenant));
    const typesKey = [...catalog.objectTypeVersions.values()].map((t) => `${t.type}@${t.version}`).join(',');
    const hit = this.compiled.get(key(tenant, workflowId, version, typesKey));
    if (hit) return hit;
    const row = await this.store.getWorkflowVersion(tenant, workflowId, version);
    if (!row) throw new SwitchyardError('WORKFLOW_NOT_FOUND', `workflow ${workflowId} version ${version} does not exist`);
    return this.compile(row, catalog.types, typesKey);
  }

  /** The tenant's object type, or UNKNOWN_OBJECT_TYPE; reloads once when the cached catalog lacks it. */
  async objectType(tenant: string, name: string): Promise<ObjectTypeSpec> {
    const cached = this.tenants.get(tenant);
    if (cached?.types.has(name)) return cached.validator.type(name);
    return (await this.forTenant(tenant)).validator.type(name);
  }

  private typeSet(tenant: string, typesKey: string, objectTypes: ObjectTypeVersionRow[]): TenantTypes {
    // Versions are per tenant: acme's deal@2 is not globex's.
    const setKey = typesKey === '' ? '' : `${tenant}\u0000${typesKey}`;
    let set = this.typeSets.get(setKey);
    if (!set) {
      const types = tenantObjectTypes(this.base.types, new Map(objectTypes.map((t) => [t.type, t.definition])));
      set = { types, validator: new RecordValidator(types) };
      this.typeSets.set(setKey, set);
    }
    return set;
  }

  /** Compiled against the tenant's types (typesKey names them): a field type decides how CEL reads it. */
  private compile(row: WorkflowVersionRow, types: Map<string, ObjectTypeSpec>, typesKey: string): CompiledWorkflow {
    const k = key(row.tenant, row.workflowId, row.version, typesKey);
    let wf = this.compiled.get(k);
    if (!wf) {
      wf = compileWorkflow(row.definition as unknown as WorkflowDefinition, types, { tenant: row.tenant, version: row.version });
      this.compiled.set(k, wf);
    }
    return wf;
  }
}

function key(tenant: string, workflowId: string, version: number, typesKey: string): string {
  return `${tenant}\u0000${workflowId}\u0000${version}\u0000${typesKey}`;
}
