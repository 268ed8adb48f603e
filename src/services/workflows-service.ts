// Deploying, listing, enabling and disabling workflows. Versions are immutable and numbered;
// deploying an unchanged definition makes no new version.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { compileWorkflow } from '../definitions/compile.js';
import type { ConnectorCatalogue } from '../definitions/references.js';
import type { WorkflowDefinition } from '../domain/workflow.js';
import { parseDefinitionText, validateDefinitionShape } from '../definitions/validate.js';
import { SwitchyardError } from '../errors.js';
import type { Json, ObjectTypeSpec, WorkflowRow, WorkflowVersionRow } from '../domain/types.js';
import type { Store } from '../store/port.js';
import type { Catalog } from './catalog.js';
import { syncSchedule } from './timer-sync.js';
import { analyzeWorkflows, assertNoUnguardedCycles, type GraphReport } from '../graph/index.js';

export interface DeployOptions {
  /** Skip the cycle check (for simulations and tests of the run-time guards). */
  allowCycles?: boolean;
}

export interface DeployResult {
  workflowId: string;
  version: number;
  created: boolean;
  enabled: boolean;
}

export class WorkflowsService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly types: Map<string, ObjectTypeSpec>,
    private readonly clock: Clock,
    private readonly maxChainDepth = 3,
    /** A tenant's configured connectors (name -> type). Without it connectors are not checked. */
    private readonly connectors?: (tenant: string) => ConnectorCatalogue,
  ) {}

  /**
   * Checks a definition fully (shape, CEL, fields, and with a tenant its connectors) without
   * deploying it, against `types` (default: the configured ones, without any tenant's API types).
   */
  check(value: unknown, file?: string, tenant?: string, types = this.types): WorkflowDefinition {
    const definition = validateDefinitionShape(value, file);
    const connectors = tenant !== undefined ? this.connectors?.(tenant) : undefined;
    compileWorkflow(definition, types, { tenant: tenant ?? '', version: 0, file, connectors });
    return definition;
  }

  parse(text: string, file?: string, tenant?: string): WorkflowDefinition {
    return this.check(parseDefinitionText(text, file), file, tenant);
  }

  /** The dependency graph of the tenant's active workflows, with `pending` definitions in place of theirs. */
  async graph(tenant: string, pending: WorkflowDefinition[] = []): Promise<GraphReport> {
    const byId = new Map((await this.activeDefinitions(tenant)).map((d) => [d.id, d]));
    for (const d of pending) byId.set(d.id, d);
    return analyzeWorkflows([...byId.values()], await this.tenantTypes(tenant), { maxChainDepth: this.maxChainDepth });
  }

  async deploy(tenant: string, value: unknown, options: DeployOptions & { expectedId?: string; file?: string } = {}): Promise<DeployResult> {
    const [result] = await this.deployMany(tenant, [{ value, file: options.file }], options);
    return result as DeployResult;
  }

  /**
   * Deploys a set of definitions, checked together first: any invalid one, or an unguarded cycle
   * among them and the tenant's active workflows, refuses the whole set (nothing is deployed).
   */
  async deployMany(tenant: string, items: { value: unknown; file?: string }[], options: DeployOptions & { expectedId?: string } = {}): Promise<DeployResult[]> {
    const types = await this.tenantTypes(tenant);
    const definitions = items.map((item) => this.check(item.value, item.file, tenant, types));
    for (const definition of definitions) {
      if (options.expectedId && definition.id !== options.expectedId) {
        throw new SwitchyardError('WORKFLOW_INVALID', `the definition's id "${definition.id}" does not match the URL's "${options.expectedId}"`, {
          problems: [{ path: '/id', message: `must be "${options.expectedId}"` }],
        });
      }
    }
    if (!options.allowCycles) assertNoUnguardedCycles(await this.graph(tenant, definitions));
    const results: DeployResult[] = [];
    for (const definition of definitions) results.push(await this.deployChecked(tenant, definition, types));
    return results;
  }

  /** The tenant's object types: config's with its API-defined versions on top (catalog.ts). */
  private async tenantTypes(tenant: string): Promise<Map<string, ObjectTypeSpec>> {
    return (await this.catalog.forTenant(tenant)).types;
  }

  private async deployChecked(tenant: string, definition: WorkflowDefinition, types: Map<string, ObjectTypeSpec>): Promise<DeployResult> {
    const hash = hashDefinition(definition);
    const now = this.clock.now();
    const result = await this.store.transaction(async (tx) => {
      const latest = await tx.getLatestVersion(tenant, definition.id);
      const existing = await tx.getWorkflow(tenant, definition.id);
      const enabled = definition.enabled ?? true;
      if (latest && latest.hash === hash && existing) {
        return { workflowId: definition.id, version: latest.version, created: false, enabled: existing.enabled };
      }
      const version = (latest?.version ?? 0) + 1;
      await tx.insertWorkflowVersion({ tenant, workflowId: definition.id, version, definition: definition as unknown as Json, hash, createdAt: now });
      await tx.upsertWorkflow({ tenant, workflowId: definition.id, enabled, latestVersion: version, activeVersion: version, updatedAt: now });
      await tx.bumpCatalogRevision(tenant);
      await syncSchedule(tx, tenant, compileWorkflow(definition, types, { tenant, version }), definition.id, enabled, now);
      return { workflowId: definition.id, version, created: true, enabled };
    });
    await this.catalog.forTenant(tenant, true);
    return result;
  }

  async setEnabled(tenant: string, workflowId: string, enabled: boolean): Promise<WorkflowRow> {
    const types = await this.tenantTypes(tenant);
    const row = await this.store.transaction(async (tx) => {
      const existing = await tx.getWorkflow(tenant, workflowId);
      if (!existing) throw new SwitchyardError('WORKFLOW_NOT_FOUND', `workflow ${workflowId} does not exist`);
      const updated = { ...existing, enabled, updatedAt: this.clock.now() };
      await tx.upsertWorkflow(updated);
      await tx.bumpCatalogRevision(tenant);
      const active = await tx.getLatestVersion(tenant, workflowId);
      const wf = active?.version === updated.activeVersion ? compileWorkflow(active.definition as unknown as WorkflowDefinition, types, { tenant, version: active.version }) : undefined;
      await syncSchedule(tx, tenant, wf, workflowId, enabled, updated.updatedAt);
      return updated;
    });
    await this.catalog.forTenant(tenant, true);
    return row;
  }

  list(tenant: string): Promise<WorkflowRow[]> {
    return this.store.listWorkflows(tenant);
  }

  async show(tenant: string, workflowId: string): Promise<{ workflow: WorkflowRow; versions: WorkflowVersionRow[] }> {
    const workflow = (await this.store.listWorkflows(tenant)).find((w) => w.workflowId === workflowId);
    if (!workflow) throw new SwitchyardError('WORKFLOW_NOT_FOUND', `workflow ${workflowId} does not exist`);
    return { workflow, versions: await this.store.listWorkflowVersions(tenant, workflowId) };
  }

  /** Active definitions of a tenant (for the dependency graph). */
  async activeDefinitions(tenant: string): Promise<WorkflowDefinition[]> {
    return (await this.store.listActiveVersions(tenant)).map((v) => v.definition as unknown as WorkflowDefinition);
  }
}

/** sha256 of the definition with keys sorted: the same workflow written differently hashes the same. */
export function hashDefinition(definition: unknown): string {
  return createHash('sha256').update(canonical(definition)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
