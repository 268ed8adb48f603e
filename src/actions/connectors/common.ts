// Shared by the connector actions: deploy-time compile of CEL template params, run-time connector
// lookup, and the one place where a failure is stripped of secrets before it leaves the action.
import { Type } from '@sinclair/typebox';
import { fitsField, type CelContext, type CelProgram } from '../../conditions/cel.js';
import { isSwitchyardError, type FieldProblem } from '../../errors.js';
import { DEFAULT_OUTBOUND_POLICY, type OutboundPolicy, type OutboundResponse } from '../../net/outbound-http.js';
import type { Json } from '../../domain/types.js';
import type { StepDefinition } from '../../domain/workflow.js';
import { ActionFailure, HttpStatusError, NonRetryableError, RetryAfterError, RetryableError, classifyFailure, isFailureCode, parseRetryAfter } from '../../failures/action-failures.js';
import type { ActionCompileContext, ExternalAction, ResolvedConnector, StepContext } from '../types.js';
import { redactSecrets, type ConnectorRuntime } from './config.js';

// Not domain/workflow.ts's Cel: the published schema describes a step param with its quoting rule.
export const CelParam = Type.String({ minLength: 1, description: 'a CEL expression; string literals are quoted: \'"hello"\'' });
export const ConnectorParam = Type.String({ minLength: 1, description: 'name of a configured connector' });

/** Collects problems while compiling one step. */
export class StepCompiler {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly step: StepDefinition, private readonly ctx: ActionCompileContext) {}

  /** The connector name: a non-empty string (whether it exists is known only per tenant, at run). */
  connector(): string {
    const name = this.step.connector;
    if (typeof name !== 'string' || name === '') this.problem('connector', 'name the connector to use (a string)');
    return typeof name === 'string' ? name : '';
  }

  /** A CEL template param. `string`: must produce a string; `any`: any JSON value. */
  template(param: string, options: { required: boolean; type?: 'string' | 'any' }): CelProgram | undefined {
    return this.compile(param, this.step[param], options);
  }

  /** A map param whose values are CEL templates (headers, body). */
  templateMap(param: string, type: 'string' | 'any'): Record<string, CelProgram> {
    const raw = this.step[param];
    if (raw === undefined) return {};
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      this.problem(param, 'must be a map of name: CEL expression');
      return {};
    }
    const out: Record<string, CelProgram> = {};
    for (const [key, source] of Object.entries(raw as Record<string, unknown>)) {
      const program = this.compile(`${param}/${key}`, source, { required: true, type });
      if (program) out[key] = program;
    }
    return out;
  }

  problem(param: string, message: string): void {
    this.problems.push({ path: `${this.ctx.path}/${param}`, message });
  }

  private compile(param: string, source: unknown, options: { required: boolean; type?: 'string' | 'any' }): CelProgram | undefined {
    if (source === undefined) {
      if (options.required) this.problem(param, 'is required');
      return undefined;
    }
    if (typeof source !== 'string' || source === '') {
      this.problem(param, 'must be a CEL expression (a string; quote literals: \'"text"\')');
      return undefined;
    }
    const result = this.ctx.scope.compile(source);
    if (!result.ok) {
      this.problem(param, `invalid CEL: ${result.error}`);
      return undefined;
    }
    if ((options.type ?? 'string') === 'string' && !fitsField(result.program.resultType, 'string')) {
      this.problem(param, `expression returns ${result.program.resultType}, a string is needed`);
      return undefined;
    }
    return result.program;
  }
}

/** Evaluates a string template at run time; a failure is the template's fault, not transient. */
export function renderString(program: CelProgram, cel: CelContext, param: string): string {
  const value = render(program, cel, param);
  if (typeof value !== 'string') throw new NonRetryableError(`step param "${param}" produced ${JSON.stringify(value)}, not a string`, { code: 'TEMPLATE_FAILED' });
  return value;
}

export function render(program: CelProgram, cel: CelContext, param: string): Json {
  try {
    return program.evaluate(cel) as Json;
  } catch (error) {
    throw new NonRetryableError(`step param "${param}" failed: ${error instanceof Error ? error.message : String(error)}`, { code: 'TEMPLATE_FAILED' });
  }
}

export function renderMap(programs: Record<string, CelProgram>, cel: CelContext, param: string): Record<string, Json> {
  return Object.fromEntries(Object.entries(programs).map(([key, program]) => [key, render(program, cel, `${param}/${key}`)]));
}

export interface ConnectorUse {
  connector: ResolvedConnector;
  outbound: OutboundPolicy;
  timeoutMs: number;
  /** Every secret value, for redaction. */
  secrets: string[];
}

/**
 * The step's connector, checked to be of the type the action speaks. Deploy checks the same
 * (definitions/references.ts); this catches a config changed since.
 */
export function useConnector(ctx: StepContext, name: string, action: Pick<ExternalAction, 'type' | 'connectorType'>): ConnectorUse {
  const connector = ctx.connector(name);
  if (connector.type !== action.connectorType) {
    throw new NonRetryableError(`${action.type} needs a ${action.connectorType} connector, but "${name}" is ${connector.type}`, { code: 'CONNECTOR_INVALID' });
  }
  // Connectors from resolveConnectors carry the operator's outbound policy; others get the strict default.
  const runtime = connector as Partial<ConnectorRuntime>;
  const outbound = runtime.outbound ?? DEFAULT_OUTBOUND_POLICY;
  return { connector, outbound, timeoutMs: runtime.timeoutMs ?? outbound.timeoutMs, secrets: Object.values(connector.secrets) };
}

/**
 * Runs `call` with every secret redacted from what leaves it: the result (a service may echo a
 * credential into a body that later steps and the execution log read) and any failure, which
 * leaves as a typed failure without its cause chain.
 */
export async function withRedaction<T>(secrets: readonly string[], call: () => Promise<T>): Promise<T> {
  try {
    return redactSecrets(await call(), secrets);
  } catch (error) {
    throw redactFailure(error, secrets);
  }
}

/**
 * The error as the step runner should see it: same classification (code, retryable, retry-after,
 * status), message and details redacted, cause dropped (a raw cause may hold a URL or credentials).
 */
export function redactFailure(error: unknown, secrets: readonly string[]): Error {
  if (isSwitchyardError(error)) return error; // engine errors carry no connector secrets
  const failure = classifyFailure(error);
  const message = redactSecrets(failure.message, secrets);
  const code = isFailureCode(failure.code) ? failure.code : 'UNKNOWN';
  const base = error instanceof ActionFailure ? error : undefined;
  const rawCode = (error as { code?: unknown } | null)?.code;
  const details = redactSecrets({ ...(base?.details ?? {}), ...(base || typeof rawCode !== 'string' ? {} : { cause: rawCode }) }, secrets);
  const options = { code, details, status: base?.status };
  if (!failure.retryable) return new NonRetryableError(message, options);
  if (failure.retryAfterMs !== undefined) return new RetryAfterError(failure.retryAfterMs, message, options);
  return new RetryableError(message, options);
}

/** Fails on a non-2xx answer: 5xx/408/429 retryable (honouring Retry-After), other statuses not. */
export function expectSuccess(response: OutboundResponse, what: string, now: number): void {
  if (response.status >= 200 && response.status < 300) return;
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
  const body = typeof response.body === 'string' ? response.body.slice(0, 500) : JSON.stringify(response.body).slice(0, 500);
  throw new HttpStatusError(response.status, `${what} answered ${response.status}`, { retryAfterMs, details: { status: response.status, body } });
}

/** A string setting (resolveConnectors checked the required ones), else the fallback. */
export function setting(connector: ResolvedConnector, key: string, fallback = ''): string {
  const value = Object.hasOwn(connector.settings, key) ? connector.settings[key] : undefined;
  return typeof value === 'string' ? value : fallback;
}

/** "Name <a@b.example>" or "a@b.example" → "b.example" (for Message-IDs). */
export function domainOf(address: string): string {
  return /@([^>\s]+)>?\s*$/.exec(address)?.[1] ?? 'switchyard.invalid';
}
