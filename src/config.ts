// Configuration is read once, at the edge: raw input (file + environment) -> schema check ->
// a resolved, frozen object with durations in milliseconds. Nothing else reads process.env.
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { parseDuration } from './clock.js';
import { parseDefinitionText, schemaProblems } from './definitions/validate.js';
import { isSwitchyardError, validationError, type FieldProblem } from './errors.js';
import { resolveConnectors, type ConnectorRuntime } from './actions/connectors/config.js';
import { resolveBreakerConfig, type BreakerConfig } from './failures/circuit-breaker.js';
import type { ObjectTypeSpec } from './domain/types.js';
import { ROLES, type ApiToken } from './domain/access.js';
import { resolveObjectTypes } from './records/object-types.js';
import { FieldSpecSchema, RuleSchema } from './records/tenant-object-types.js';
import { DEFAULT_LOOP_LIMITS, type LoopLimits } from './services/loop-guard.js';

const Duration = Type.Union([Type.String(), Type.Number()]);

export const ConfigSchema = Type.Object({
  /** Object types: extra fields and rules for built-ins, or new custom types. */
  objects: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.Object({
    fields: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), FieldSpecSchema)),
    rules: Type.Optional(Type.Array(RuleSchema)),
    /** Fields to give an expression index, so that list filters and sorts on them stay fast. */
    indexes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), { maxItems: 32 })),
  }, { additionalProperties: false }))),
  /**
   * API tokens: the tenant each may see, its name (the actor of its writes; default api:<tenant>,
   * api:<tenant>:<n> for a tenant's n-th unnamed token) and role (default admin). None: open mode,
   * every request is tenant "default" with the admin role.
   */
  tokens: Type.Optional(Type.Array(Type.Object({
    tenant: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }),
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}$' })),
    role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
    token: Type.Optional(Type.String({ minLength: 16 })),
    tokenEnv: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
  worker: Type.Optional(Type.Object({
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    lease: Type.Optional(Duration),
    poll: Type.Optional(Duration),
    sweep: Type.Optional(Duration),
    /** Leases that may run out without a checkpoint before the execution is dead-lettered. Default 3. */
    maxLeaseExpiries: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** How long circuit breaker outcomes are counted in memory before one write per breaker. Default 250ms. */
    breakerFlush: Type.Optional(Duration),
    /** Commit the outcomes of a claimed batch in one transaction where they need no outside call. Default true. */
    batchCommit: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false })),
  /** Run-time loop guards: defaults for every tenant, and per-tenant overrides. */
  loops: Type.Optional(Type.Object({
    maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    budget: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    tenants: Type.Optional(Type.Record(Type.String(), Type.Object({
      maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      budget: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    }, { additionalProperties: false }))),
    /** Longest chain the dependency graph reports as too deep. Default 3. */
    maxChainDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  }, { additionalProperties: false })),
  /** Connectors by tenant: { default: [ { name, type, settings, secrets, rateLimit, costPerCall, breaker } ] }. */
  connectors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Unknown()))),
  /** Where alerts go: the name of a slack, teams or http connector of each tenant. */
  alerts: Type.Optional(Type.Object({ connector: Type.Optional(Type.String()) }, { additionalProperties: false })),
  /** The workflow circuit breaker: failure rate over a window of executions. */
  workflowBreaker: Type.Optional(Type.Object({
    failureRate: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    window: Type.Optional(Duration),
    minimumVolume: Type.Optional(Type.Integer({ minimum: 1 })),
    openFor: Type.Optional(Duration),
    /** A probe that reports nothing within this is replaced. Default 5m. */
    probeTimeout: Type.Optional(Duration),
    /** While a probe runs, other executions ask again after this. Default 5s. */
    probeRecheck: Type.Optional(Duration),
  }, { additionalProperties: false })),
  /** Outbound calls to loopback, private and link-local addresses are refused unless listed (CIDR or host:port). */
  outbound: Type.Optional(Type.Object({ allow: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false })),
  /** A YAML/JSON file of secret values that connector secrets may reference with { file: key }. */
  secretsFile: Type.Optional(Type.String()),
}, { additionalProperties: false });

export type RawConfig = Static<typeof ConfigSchema>;

export interface WorkerSettings {
  /**
   * Executions run at once per process (a claimed batch counts each of its executions). Default 64:
   * the claim's and the commit's fixed costs are shared by the batch (measured on PostgreSQL, one
   * worker: 1,066 exec/s at 16, 1,777 at 64). A crashed process leaves up to that many suspects,
   * retried one at a time (poison-pill containment): lower it where executions crash workers.
   */
  concurrency: number;
  /** Executions claimed per store round trip (at most the free slots). Default 64. */
  batchSize: number;
  /** How long a claim is valid without a heartbeat. Default 30 s. */
  leaseMs: number;
  /** Longest sleep between claims when nothing wakes the worker. Default 1 s. */
  pollMs: number;
  /** How often expired leases are swept back to the queue. Default 5 s. */
  sweepMs: number;
  /**
   * Poison-pill containment: the sweeper dead-letters an execution whose lease ran out this many
   * times without a checkpoint in between (it crashed or stalled its worker each time). Default 3.
   */
  maxLeaseExpiries: number;
  /** Circuit breaker outcomes are counted in memory and written once per breaker per this. Default 250 ms. */
  breakerFlushMs: number;
  /**
   * A claimed batch is loaded in a few queries and the executions that end without an outside
   * call (skips, conditions + one data step) commit in one transaction, one savepoint each.
   * False runs every execution on its own (the path every other execution takes). Default true.
   */
  batchCommit: boolean;
}

export interface ResolvedConfig {
  objectTypes: Map<string, ObjectTypeSpec>;
  /** Loop limits for a tenant: its override, else the defaults (depth 5, budget 25). */
  loopLimits(tenant: string): LoopLimits;
  maxChainDepth: number;
  /** A tenant's connector by name, with secrets resolved. */
  connector(tenant: string, name: string): ConnectorRuntime | undefined;
  /** A tenant's connectors, name -> type in configuration order: what deploy checks references against. */
  connectorTypes(tenant: string): ReadonlyMap<string, string>;
  alertConnector(tenant: string): ConnectorRuntime | undefined;
  workflowBreaker: BreakerConfig;
  /** token -> its tenant, name and role; empty means open mode (tenant "default", admin). */
  tokens: Map<string, ApiToken>;
  worker: WorkerSettings;
  raw: RawConfig;
}

export const DEFAULT_TENANT = 'default';

export function resolveConfig(raw: RawConfig = {}, env: NodeJS.ProcessEnv = {}, file?: string): ResolvedConfig {
  const problems = schemaProblems(ConfigSchema, raw, '', file);
  if (problems.length > 0) throw validationError(problems, 'CONFIG_INVALID');
  const tokens = resolveTokens(raw.tokens ?? [], env, file);
  const w = raw.worker ?? {};
  const secretsFile = raw.secretsFile ? readSecretsFile(raw.secretsFile, file) : undefined;
  const connectors = new Map<string, Map<string, ConnectorRuntime>>();
  for (const [tenant, list] of Object.entries(raw.connectors ?? {})) {
    try {
      connectors.set(tenant, resolveConnectors(list, { env, secretsFile, outbound: { allow: raw.outbound?.allow } }));
    } catch (error) {
      if (!isSwitchyardError(error)) throw error;
      throw validationError(error.problems.map((p) => ({ ...p, file, path: `/connectors/${tenant}${p.path}` })), 'CONFIG_INVALID');
    }
  }
  const alertProblems = alertTargetProblems(raw.alerts?.connector, connectors, file);
  if (alertProblems.length > 0) throw validationError(alertProblems, 'CONFIG_INVALID');
  const wb = raw.workflowBreaker ?? {};
  const config: ResolvedConfig = {
    objectTypes: resolveObjectTypes(raw.objects ?? {}, file),
    tokens,
    loopLimits: (tenant) => ({ ...DEFAULT_LOOP_LIMITS, ...stripUndefined(raw.loops ?? {}), ...stripUndefined((raw.loops?.tenants && Object.hasOwn(raw.loops.tenants, tenant) ? raw.loops.tenants[tenant] : undefined) ?? {}) }),
    maxChainDepth: raw.loops?.maxChainDepth ?? 3,
    connector: (tenant, name) => connectors.get(tenant)?.get(name),
    connectorTypes: (tenant) => new Map([...(connectors.get(tenant) ?? new Map<string, ConnectorRuntime>()).values()].map((c) => [c.name, c.type])),
    alertConnector: (tenant) => (raw.alerts?.connector ? connectors.get(tenant)?.get(raw.alerts.connector) : undefined),
    workflowBreaker: resolveBreakerConfig({
      failureRate: wb.failureRate,
      windowMs: wb.window === undefined ? undefined : parseDuration(wb.window),
      minimumVolume: wb.minimumVolume,
      openMs: wb.openFor === undefined ? undefined : parseDuration(wb.openFor),
      probeTimeoutMs: wb.probeTimeout === undefined ? undefined : parseDuration(wb.probeTimeout),
      probeRecheckMs: wb.probeRecheck === undefined ? undefined : parseDuration(wb.probeRecheck),
    }),
    worker: Object.freeze({
      concurrency: w.concurrency ?? 64,
      batchSize: w.batchSize ?? 64,
      leaseMs: parseDuration(w.lease ?? '30s'),
      pollMs: parseDuration(w.poll ?? '1s'),
      sweepMs: parseDuration(w.sweep ?? '5s'),
      maxLeaseExpiries: w.maxLeaseExpiries ?? 3,
      breakerFlushMs: parseDuration(w.breakerFlush ?? '250ms'),
      batchCommit: w.batchCommit ?? true,
    }),
    raw,
  };
  return Object.freeze(config);
}

/**
 * token -> grant. A token without a name is named after its tenant (api:<tenant>, then
 * api:<tenant>:2, ...: what writes were attributed to before tokens had names) and is an admin.
 * Names are unique per tenant (they are the actor of the token's writes), token values overall.
 */
function resolveTokens(list: NonNullable<RawConfig['tokens']>, env: NodeJS.ProcessEnv, file: string | undefined): Map<string, ApiToken> {
  const tokens = new Map<string, ApiToken>();
  const where = new Map<string, number>();
  const unnamed = new Map<string, number>();
  const problem = (i: number, message: string, key = '') => validationError([{ file, path: `/tokens/${i}${key}`, message }], 'CONFIG_INVALID');
  list.forEach((t, i) => {
    const token = t.token ?? (t.tokenEnv ? env[t.tokenEnv] : undefined);
    if (!token) throw problem(i, t.tokenEnv ? `environment variable ${t.tokenEnv} is not set` : 'give token or tokenEnv');
    if (where.has(token)) throw problem(i, `the same token value as /tokens/${where.get(token)}; each token must be distinct`);
    let name = t.name;
    if (name === undefined) {
      const n = (unnamed.get(t.tenant) ?? 0) + 1;
      unnamed.set(t.tenant, n);
      name = n === 1 ? `api:${t.tenant}` : `api:${t.tenant}:${n}`;
    }
    const clash = [...tokens.values()].find((g) => g.tenant === t.tenant && g.name === name);
    if (clash) throw problem(i, `tenant ${t.tenant} already has a token named "${name}"; names must be unique per tenant`, '/name');
    where.set(token, i);
    tokens.set(token, { tenant: t.tenant, name, role: t.role ?? 'admin' });
  });
  return tokens;
}

/** The connector types an alert can be posted through (observability/alerts.ts speaks these). */
const ALERT_CONNECTOR_TYPES: readonly string[] = ['slack', 'teams', 'http'];

/**
 * alerts.connector names, for every tenant with connectors, one of its slack, teams or http
 * connectors. Unchecked, a typo (or an smtp connector) loses every alert without a word, and an
 * alert is how a final failure is not silent.
 */
function alertTargetProblems(name: string | undefined, connectors: Map<string, Map<string, ConnectorRuntime>>, file: string | undefined): FieldProblem[] {
  if (name === undefined) return [];
  const path = '/alerts/connector';
  if (connectors.size === 0) return [{ file, path, message: `connector "${name}" is not configured for any tenant (no connectors are configured)` }];
  const problems: FieldProblem[] = [];
  for (const [tenant, list] of connectors) {
    const target = list.get(name);
    if (!target) problems.push({ file, path, message: `connector "${name}" is not configured for tenant ${tenant} (configured: ${[...list.keys()].join(', ') || 'none'})` });
    else if (!ALERT_CONNECTOR_TYPES.includes(target.type)) problems.push({ file, path, message: `connector "${name}" of tenant ${tenant} is ${target.type}; alerts need ${ALERT_CONNECTOR_TYPES.join(', ')}` });
  }
  return problems;
}

function readSecretsFile(path: string, file: string | undefined): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw validationError([{ file, path: '/secretsFile', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }], 'CONFIG_INVALID');
  }
  return (parseDefinitionText(text, path) ?? {}) as Record<string, unknown>;
}

function stripUndefined(value: { maxDepth?: number; budget?: number }): Partial<LoopLimits> {
  const out: Partial<LoopLimits> = {};
  if (value.maxDepth !== undefined) out.maxDepth = value.maxDepth;
  if (value.budget !== undefined) out.budget = value.budget;
  return out;
}

/** Reads a YAML/JSON config file (or none) plus the environment. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const file = path ?? env.SWITCHYARD_CONFIG;
  if (!file) return resolveConfig({}, env);
  const raw = (parseDefinitionText(readFileSync(file, 'utf8'), file) ?? {}) as RawConfig;
  return resolveConfig(raw, env, file);
}

/** Where the store lives: --store flag, SWITCHYARD_STORE, or switchyard.db in the working directory. */
export function storeLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.SWITCHYARD_STORE ?? 'switchyard.db';
}
