// HTTP to a Switchyard server for the CLI (undici). Errors come back as RemoteError with the
// server's problem+json; an unreachable server is one clear sentence. The token travels only in
// the Authorization header: it is never part of a URL, a message or an error.
import { request } from 'undici';
import { CliError } from '../cli-error.js';

/** A problem+json answer (or another non-2xx answer) from the server. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly problems: { path: string; message: string; file?: string }[] = [],
  ) {
    super(detail);
    this.name = 'RemoteError';
  }
}

/** The server could not be reached at all (exit 2, like any other unavailable dependency). */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UnreachableError';
  }
}

export interface HttpTarget {
  url: string;
  token?: string;
}

const TIMEOUT_MS = 30_000;

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is `switchyard serve` running there?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: `no answer within ${TIMEOUT_MS / 1000} s`,
  UND_ERR_BODY_TIMEOUT: `the answer stalled for ${TIMEOUT_MS / 1000} s`,
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
};

/** Checks and normalises --url: http(s) only, no credentials in it, no trailing slash. */
export function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`--url: "${value}" is not a URL; expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url: expected an http:// or https:// URL, got ${url.protocol}`);
  // A token pasted into the URL would be printed in every message: send it with --token instead.
  if (url.username || url.password) throw new CliError('--url: put no credentials in the URL; pass the token with --token or SWITCHYARD_TOKEN');
  if (url.search || url.hash) throw new CliError('--url: give the server\'s base URL, without a query or fragment');
  return url.toString().replace(/\/+$/, '');
}

export class Http {
  constructor(private readonly target: HttpTarget) {}

  get url(): string {
    return this.target.url;
  }

  /** Sends one request and returns the parsed JSON body (undefined for 204). */
  async send<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.append(key, String(value));
    const url = `${this.target.url}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await request(url, {
        method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      throw new UnreachableError(`cannot reach the Switchyard server at ${this.target.url}: ${REASONS[code] ?? (error instanceof Error ? error.message : String(error))}`);
    }
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw problemOf(response.statusCode, text, method, path);
  }
}

function problemOf(status: number, text: string, method: string, path: string): RemoteError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const p = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; title?: unknown; detail?: unknown; errors?: unknown };
  if (typeof p.title !== 'string') {
    // Not one of ours (a proxy, another service on that port): say what came back, briefly.
    return new RemoteError(status, `HTTP_${status}`, `HTTP ${status}`, `${method} ${path} answered ${status}: ${text.slice(0, 200).trim() || '(empty body)'}`);
  }
  const problems = Array.isArray(p.errors) ? (p.errors as { path: string; message: string; file?: string }[]) : [];
  return new RemoteError(status, typeof p.code === 'string' ? p.code : `HTTP_${status}`, p.title, typeof p.detail === 'string' ? p.detail : p.title, problems);
}
