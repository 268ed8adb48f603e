// Typed failures: an action says how to retry by what it throws (STYLE habit 7). The step runner
// reads `retryable`, `code` and `retryAfterMs` through classifyFailure and never parses message
// text, so rewording a message can never change retry behaviour.
import { isExpressionError } from '../conditions/expression-errors.js';
import { isSwitchyardError } from '../errors.js';
import type { Json } from '../domain/types.js';

/** Every code an action failure can carry, with its retry default. Tests match on these. */
export const FAILURE_CODES = {
  NON_RETRYABLE: { retryable: false, title: 'The action failed for good' },
  RETRY_LATER: { retryable: true, title: 'The action failed; a later attempt may succeed' },
  STEP_TIMEOUT: { retryable: true, title: 'The step ran past its timeout' },
  REQUEST_TIMEOUT: { retryable: true, title: 'An outbound request ran past its timeout' },
  ABORTED: { retryable: true, title: 'The step was cancelled (e.g. worker shutdown) before it finished' },
  RATE_LIMITED: { retryable: true, title: 'The service answered 429 Too Many Requests' },
  UPSTREAM_ERROR: { retryable: true, title: 'The service answered 5xx (or 408)' },
  UPSTREAM_REJECTED: { retryable: false, title: 'The service answered 4xx: the request itself is wrong' },
  NETWORK_ERROR: { retryable: true, title: 'The connection failed (refused, reset, DNS, socket)' },
  SSRF_REFUSED: { retryable: false, title: 'The target address is not allowed (loopback, private, metadata...)' },
  TOO_MANY_REDIRECTS: { retryable: false, title: 'The service redirected more often than allowed' },
  RESPONSE_TOO_LARGE: { retryable: false, title: 'The response body exceeded the size limit' },
  SMTP_TRANSIENT: { retryable: true, title: 'The mail server refused for now (4xx reply or lost connection)' },
  SMTP_REJECTED: { retryable: false, title: 'The mail server refused for good (5xx reply)' },
  SMTP_AUTH_FAILED: { retryable: false, title: 'The mail server refused the credentials' },
  CONNECTOR_INVALID: { retryable: false, title: 'The connector is missing, of the wrong type, or misconfigured' },
  TEMPLATE_FAILED: { retryable: false, title: 'A CEL template of the step failed to evaluate' },
  EXPRESSION_FAILED: { retryable: false, title: 'A CEL expression failed deterministically (division by zero, overflow, invalid regex, no such overload or key)' },
  EXPRESSION_BUDGET_EXCEEDED: { retryable: false, title: 'A CEL expression exceeded its evaluation budget (steps, string/list size, allocation, or result size)' },
  UNKNOWN: { retryable: true, title: 'An unclassified error (retried: the attempt budget bounds it)' },
} as const satisfies Record<string, { retryable: boolean; title: string }>;

export type FailureCode = keyof typeof FAILURE_CODES;

export interface FailureOptions {
  code?: FailureCode;
  /** The HTTP status that caused it, when there was one. */
  status?: number;
  /** Structured, secret-free details for the execution log. */
  details?: Record<string, Json>;
  cause?: unknown;
}

/** Base of every typed action failure. */
export class ActionFailure extends Error {
  readonly code: FailureCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly details: Record<string, Json>;

  constructor(message: string, retryable: boolean, options: FailureOptions & { retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? (retryable ? 'RETRY_LATER' : 'NON_RETRYABLE');
    this.retryable = retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = Math.max(0, Math.round(options.retryAfterMs));
    if (options.status !== undefined) this.status = options.status;
    this.details = options.details ?? {};
  }
}

/** Retrying cannot help (bad request, refused target, bad credentials): dead-letter at once. */
export class NonRetryableError extends ActionFailure {
  constructor(message: string, options: FailureOptions = {}) {
    super(message, false, options);
  }
}

/** A transient failure: retry with the step's backoff. */
export class RetryableError extends ActionFailure {
  constructor(message: string, options: FailureOptions = {}) {
    super(message, true, options);
  }
}

/** Retry, but not before `ms` (e.g. the service's Retry-After). */
export class RetryAfterError extends ActionFailure {
  constructor(ms: number, message = `retry after ${Math.round(ms)} ms`, options: FailureOptions = {}) {
    super(message, true, { code: 'RETRY_LATER', ...options, retryAfterMs: ms });
  }
}

/** The step ran past its `timeout`. Retryable: the next attempt may be faster. */
export class StepTimeoutError extends ActionFailure {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, message = `the step did not finish within ${timeoutMs} ms`) {
    super(message, true, { code: 'STEP_TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
}

/** A service answered with a non-success status. 5xx, 408 and 429 retry; other 4xx do not. */
export class HttpStatusError extends ActionFailure {
  constructor(status: number, message: string, options: { retryAfterMs?: number; details?: Record<string, Json> } = {}) {
    const code: FailureCode = status === 429 ? 'RATE_LIMITED' : status >= 500 || status === 408 ? 'UPSTREAM_ERROR' : 'UPSTREAM_REJECTED';
    super(message, FAILURE_CODES[code].retryable, { code, status, details: options.details, retryAfterMs: FAILURE_CODES[code].retryable ? options.retryAfterMs : undefined });
  }
}

/**
 * Retry-After as delta-seconds ("120") or an HTTP date, to milliseconds from `now`.
 * Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface FailureClass {
  retryable: boolean;
  retryAfterMs?: number;
  code: string;
  message: string;
}

// Node and undici socket-level codes: the connection failed, the request may not even have arrived.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  // nodemailer's connection-level codes
  'ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS',
]);
const SMTP_AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);

/** How the step runner should treat an error: read from typed errors and fields only. */
export function classifyFailure(error: unknown): FailureClass {
  const message = error instanceof Error ? error.message : String(error);
  const chain = causeChain(error);
  // A typed failure anywhere in the chain wins: e.g. an abort whose reason is a StepTimeoutError.
  for (const link of chain) {
    if (link instanceof ActionFailure) {
      return withRetryAfter({ retryable: link.retryable, code: link.code, message: link === error ? message : `${message}: ${link.message}` }, link.retryAfterMs);
    }
    if (isSwitchyardError(link)) return { retryable: link.retryable, code: link.code, message };
    // Expression failures are deterministic: the same data fails the same way on every attempt.
    if (isExpressionError(link)) return { retryable: false, code: link.code, message: link === error ? message : `${message}: ${link.message}` };
  }
  for (const link of chain) {
    const fields = link as { code?: unknown; responseCode?: unknown; name?: unknown };
    if (typeof fields.responseCode === 'number') {
      // RFC 5321: 5yz is permanent, except 503 (bad sequence), which a new session can fix.
      const permanent = fields.responseCode >= 500 && fields.responseCode !== 503;
      if (SMTP_AUTH_CODES.has(String(fields.code))) return { retryable: false, code: 'SMTP_AUTH_FAILED', message };
      return { retryable: !permanent, code: permanent ? 'SMTP_REJECTED' : 'SMTP_TRANSIENT', message };
    }
    if (typeof fields.code === 'string') {
      if (SMTP_AUTH_CODES.has(fields.code)) return { retryable: false, code: 'SMTP_AUTH_FAILED', message };
      if (NETWORK_CODES.has(fields.code)) return { retryable: true, code: 'NETWORK_ERROR', message };
    }
    if (fields.name === 'TimeoutError') return { retryable: true, code: 'REQUEST_TIMEOUT', message };
    if (fields.name === 'AbortError') return { retryable: true, code: 'ABORTED', message };
  }
  return { retryable: true, code: 'UNKNOWN', message };
}

function withRetryAfter(failure: FailureClass, retryAfterMs: number | undefined): FailureClass {
  return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
}

/** The error, its causes, and the first error of an AggregateError (Happy Eyeballs connects). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    if (current instanceof AggregateError && current.errors.length > 0) chain.push(current.errors[0]);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

export function isFailureCode(code: string): code is FailureCode {
  return Object.hasOwn(FAILURE_CODES, code);
}
