// A tenant's connectors as configured, and their resolution: secrets read from the environment or
// a secrets file once, at the edge (STYLE habit 8), then frozen. Secret values never appear in an
// error message: problems name the connector and the variable, never the value.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDuration } from '../../clock.js';
import { validationError, type FieldProblem } from '../../errors.js';
import { resolveBreakerConfig, type BreakerConfig } from '../../failures/circuit-breaker.js';
import { createOutboundPolicy, type OutboundOptions, type OutboundPolicy } from '../../net/outbound-http.js';
import type { Json } from '../../domain/types.js';
import type { ResolvedConnector } from '../types.js';

export const CONNECTOR_TYPES = ['smtp', 'slack', 'teams', 'http', 'twilio'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

const Duration = Type.Union([Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' }), Type.Integer({ minimum: 1, description: 'milliseconds' })]);

export const SecretRefSchema = Type.Union([
  Type.Object({ env: Type.String({ minLength: 1, description: 'environment variable' }) }, { additionalProperties: false }),
  Type.Object({ file: Type.String({ minLength: 1, description: 'key in the secrets file' }) }, { additionalProperties: false }),
]);

export const ConnectorBreakerSchema = Type.Object(
  {
    failureRate: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.2 })),
    window: Type.Optional(Duration),
    minimumVolume: Type.Optional(Type.Integer({ minimum: 1, default: 10 })),
    openFor: Type.Optional(Duration),
    halfOpenProbes: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
    probeTimeout: Type.Optional(Duration),
    probeRecheck: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'defaults: 20% over 5m with at least 10 calls; open for 15m; 1 probe, replaced after 5m; others ask again every 5s' },
);

export const ConnectorConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }),
    type: Type.Union(CONNECTOR_TYPES.map((t) => Type.Literal(t))),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'non-secret settings: host, baseUrl, from...' })),
    secrets: Type.Optional(Type.Record(Type.String(), SecretRefSchema)),
    rateLimit: Type.Optional(Type.Object({ perSecond: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false })),
    costPerCall: Type.Optional(Type.Number({ minimum: 0, description: 'for cost metrics; default 0' })),
    breaker: Type.Optional(ConnectorBreakerSchema),
  },
  { additionalProperties: false },
);

export const ConnectorListSchema = Type.Array(ConnectorConfigSchema);
export type ConnectorConfig = Static<typeof ConnectorConfigSchema>;

/** What each type needs; checked at startup, not at the first send. */
const REQUIRED: Record<ConnectorType, { settings: string[]; secrets: string[]; urls: { settings?: string[]; secrets?: string[] } }> = {
  smtp: { settings: ['host', 'from'], secrets: [], urls: {} },
  slack: { settings: [], secrets: ['webhookUrl'], urls: { secrets: ['webhookUrl'] } },
  teams: { settings: [], secrets: ['webhookUrl'], urls: { secrets: ['webhookUrl'] } },
  http: { settings: ['baseUrl'], secrets: [], urls: { settings: ['baseUrl'] } },
  twilio: { settings: ['from'], secrets: ['accountSid', 'authToken'], urls: { settings: ['baseUrl'] } },
};

/** A resolved connector plus what the engine needs around the call. Assignable to ResolvedConnector. */
export interface ConnectorRuntime extends ResolvedConnector {
  type: ConnectorType;
  rateLimit?: { perSecond: number };
  costPerCall: number;
  breaker: BreakerConfig;
  /** Address policy and limits for its outbound calls (the operator's allow-list, not the tenant's). */
  outbound: OutboundPolicy;
  /** Per-request timeout from settings.timeout, else the policy's. */
  timeoutMs: number;
}

export interface ResolveConnectorsOptions {
  /** Environment variables (the config loader passes process.env; tests pass an object). */
  env: Record<string, string | undefined>;
  /** The parsed secrets file: key → value. */
  secretsFile?: Record<string, unknown>;
  /** Operator-level outbound policy shared by every connector. */
  outbound?: OutboundOptions;
}

/** Validates a tenant's connector list and resolves its secrets; throws CONFIG_INVALID listing every problem. */
export function resolveConnectors(configs: unknown, options: ResolveConnectorsOptions): Map<string, ConnectorRuntime> {
  if (!Value.Check(ConnectorListSchema, configs)) {
    const problems = [...Value.Errors(ConnectorListSchema, configs)].map((e) => ({ path: e.path || '/', message: e.message }));
    throw validationError(problems, 'CONFIG_INVALID');
  }
  const outbound = createOutboundPolicy(options.outbound);
  const problems: FieldProblem[] = [];
  const resolved = new Map<string, ConnectorRuntime>();
  configs.forEach((config, index) => {
    const path = `/${index}`;
    if (resolved.has(config.name)) problems.push({ path: `${path}/name`, message: `connector "${config.name}" is declared twice` });
    const secrets = resolveSecrets(config, options, path, problems);
    const settings = (config.settings ?? {}) as Record<string, Json>;
    problems.push(...checkRequirements(config, settings, secrets, path));
    const breaker = config.breaker ?? {};
    try {
      resolved.set(config.name, deepFreeze({
        name: config.name,
        type: config.type,
        settings,
        secrets,
        ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
        costPerCall: config.costPerCall ?? 0,
        breaker: resolveBreakerConfig({
          failureRate: breaker.failureRate,
          windowMs: breaker.window === undefined ? undefined : parseDuration(breaker.window),
          minimumVolume: breaker.minimumVolume,
          openMs: breaker.openFor === undefined ? undefined : parseDuration(breaker.openFor),
          halfOpenProbes: breaker.halfOpenProbes,
          probeTimeoutMs: breaker.probeTimeout === undefined ? undefined : parseDuration(breaker.probeTimeout),
          probeRecheckMs: breaker.probeRecheck === undefined ? undefined : parseDuration(breaker.probeRecheck),
        }),
        outbound,
        timeoutMs: typeof settings.timeout === 'string' || typeof settings.timeout === 'number' ? parseDuration(settings.timeout) : outbound.timeoutMs,
      }));
    } catch (error) {
      problems.push({ path, message: `connector "${config.name}": ${error instanceof Error ? error.message : String(error)}` });
    }
  });
  if (problems.length > 0) throw validationError(problems, 'CONFIG_INVALID');
  return resolved;
}

function resolveSecrets(config: ConnectorConfig, options: ResolveConnectorsOptions, path: string, problems: FieldProblem[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [key, ref] of Object.entries(config.secrets ?? {})) {
    const at = `${path}/secrets/${key}`;
    if ('env' in ref) {
      // Own variables only: the name is configured, and env["constructor"] is not a secret.
      const value = Object.hasOwn(options.env, ref.env) ? options.env[ref.env] : undefined;
      if (typeof value !== 'string' || value === '') problems.push({ path: at, message: `connector "${config.name}": secret "${key}" reads environment variable ${ref.env}, which is not set` });
      else secrets[key] = value;
    } else {
      const value = options.secretsFile && Object.hasOwn(options.secretsFile, ref.file) ? options.secretsFile[ref.file] : undefined;
      if (typeof value !== 'string' || value === '') {
        const why = options.secretsFile ? 'has no such string key' : 'was not given';
        problems.push({ path: at, message: `connector "${config.name}": secret "${key}" reads "${ref.file}" from the secrets file, which ${why}` });
      } else secrets[key] = value;
    }
  }
  return secrets;
}

function checkRequirements(config: ConnectorConfig, settings: Record<string, Json>, secrets: Record<string, string>, path: string): FieldProblem[] {
  const need = REQUIRED[config.type];
  const problems: FieldProblem[] = [];
  for (const key of need.settings) {
    if (typeof settings[key] !== 'string' || settings[key] === '') problems.push({ path: `${path}/settings/${key}`, message: `connector "${config.name}" (${config.type}) needs settings.${key}` });
  }
  for (const key of need.secrets) {
    if (!(config.secrets ?? {})[key]) problems.push({ path: `${path}/secrets/${key}`, message: `connector "${config.name}" (${config.type}) needs secrets.${key}` });
  }
  for (const key of need.urls.settings ?? []) {
    if (settings[key] !== undefined && !isHttpUrl(settings[key])) problems.push({ path: `${path}/settings/${key}`, message: `connector "${config.name}": settings.${key} is not an http(s) URL` });
  }
  for (const key of need.urls.secrets ?? []) {
    // The value is secret: say that it is wrong, never what it is.
    if (secrets[key] !== undefined && !isHttpUrl(secrets[key])) problems.push({ path: `${path}/secrets/${key}`, message: `connector "${config.name}": secret "${key}" is not an http(s) URL` });
  }
  return problems;
}

function isHttpUrl(value: Json | undefined): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const REDACTED = '[REDACTED]';

/**
 * Replaces every secret value (its URL-encoded form, the token of "Bearer <token>", the path of a
 * webhook URL too) in a string, or in every string of a JSON value, so logs, errors and stored
 * step outputs never show one.
 */
export function redactSecrets<T>(value: T, secrets: Record<string, string> | readonly string[]): T {
  const forms = new Set<string>();
  for (const secret of Array.isArray(secrets) ? secrets : Object.values(secrets)) {
    if (typeof secret !== 'string' || secret.length < 3) continue; // shorter would shred ordinary text
    for (const form of secretForms(secret)) {
      forms.add(form);
      forms.add(encodeURIComponent(form));
    }
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return ordered.reduce((text, secret) => text.split(secret).join(REDACTED), v);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, scrub(child)]));
    return v;
  };
  return scrub(value) as T;
}

/** A secret and the parts of it a service might echo on their own. */
function secretForms(secret: string): string[] {
  // "Bearer abc…": the token alone.
  const forms = [secret, ...secret.split(/\s+/).filter((part) => part.length >= 8)];
  // A webhook URL is secret by its path and query (the host is not): those, and their long tokens.
  if (/^https?:\/\//i.test(secret) && URL.canParse(secret)) {
    const url = new URL(secret);
    const rest = `${url.pathname}${url.search}`;
    if (rest.length >= 8) forms.push(rest, url.pathname);
    forms.push(...rest.split(/[/?&=]+/).filter((part) => part.length >= 16));
    if (url.password) forms.push(url.password);
  }
  return forms.filter((form) => form.length >= 3);
}
