// The deployed workflows of each tenant, compiled, with their trigger index. Cached per tenant
// and keyed by the store's catalog revision, so a deploy in any process is seen by every write.
import { compileWorkflow, type CompiledWorkflow } from '../definitions/compile.js';
import type { WorkflowDefinition } from '../domain/workflow.js';
import { SwitchyardError } from '../errors.js';
import type { ObjectTypeSpec, WorkflowVersionRow } from '../domain/types.js';
import type { Store } from '../store/port.js';
import { TriggerIndex } from '../triggers/trigger-index.js';

export interface TenantCatalog {
  revision: number;
  index: TriggerIndex;
}

/** Thrown inside a write transaction when the catalog moved since it was loaded; the write retries. */
export class CatalogStaleError extends Error {}

export class Catalog {
  private readonly tenants = new Map<string, TenantCatalog>();
  private readonly compiled = new Map<string, CompiledWorkflow>();

  constructor(private readonly store: Store, private readonly types: Map<string, ObjectTypeSpec>) {}

  /** The tenant's catalog, reloaded when the store's revision moved (or when forced). */
  async forTenant(tenant: string, force = false): Promise<TenantCatalog> {
    const revision = await this.store.getCatalogRevision(tenant);
    const cached = this.tenants.get(tenant);
    if (cached && cached.revision === revision && !force) return cached;
    const versions = await this.store.listActiveVersions(tenant);
    const catalog = { revision, index: new TriggerIndex(versions.map((v) => this.compile(v))) };
    this.tenants.set(tenant, catalog);
    return catalog;
  }

  /** A cached tenant catalog without a store round trip (may be stale: check in the transaction). */
  cached(tenant: string): TenantCatalog | undefined {
    return this.tenants.get(tenant);
  }

  /** A compiled version; versions are immutable, so the cache never goes stale. */
  async version(tenant: string, workflowId: string, version: number): Promise<CompiledWorkflow> {
    const hit = this.compiled.get(key(tenant, workflowId, version));
    if (hit) return hit;
    const row = await this.store.getWorkflowVersion(tenant, workflowId, version);
    if (!row) throw new SwitchyardError('WORKFLOW_NOT_FOUND', `workflow ${workflowId} version ${version} does not exist`);
    return this.compile(row);
  }

  private compile(row: WorkflowVersionRow): CompiledWorkflow {
    const k = key(row.tenant, row.workflowId, row.version);
    let wf = this.compiled.get(k);
    if (!wf) {
      wf = compileWorkflow(row.definition as unknown as WorkflowDefinition, this.types, { tenant: row.tenant, version: row.version });
      this.compiled.set(k, wf);
    }
    return wf;
  }
}

function key(tenant: string, workflowId: string, version: number): string {
  return `${tenant}\u0000${workflowId}\u0000${version}`;
}
