// Outbound HTTP for connectors (webhooks, HTTP APIs, SMS). Every connection goes through a guarded
// undici Agent: the resolved address is checked before connecting and the address actually
// connected is checked again, so DNS tricks (a name resolving to 127.0.0.1, rebinding) cannot reach
// internal services. Redirects are followed by hand, each hop through the same guard.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { NonRetryableError, RetryableError } from '../failures/action-failures.js';
import type { Json } from '../domain/types.js';
import { checkAddress, compileAddressPolicy, parseIp, type AddressPolicy } from './address-policy.js';

export interface OutboundOptions {
  /** CIDRs and host:port entries that may be reached although private or loopback (tests, on-premise). */
  allow?: readonly string[];
  /** Redirects followed per request; default 3. */
  maxRedirects?: number;
  /** Whole-request timeout (all hops, body included); default 10 s. */
  timeoutMs?: number;
  /** Larger response bodies fail with RESPONSE_TOO_LARGE; default 1 MiB. */
  maxResponseBytes?: number;
}

export interface OutboundPolicy {
  readonly addresses: AddressPolicy;
  readonly maxRedirects: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export function createOutboundPolicy(options: OutboundOptions = {}): OutboundPolicy {
  return Object.freeze({
    addresses: compileAddressPolicy(options.allow ?? []),
    maxRedirects: options.maxRedirects ?? 3,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
  });
}

/** Nothing private is reachable. */
export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = createOutboundPolicy();

/** A refused target (SSRF guard). Never retried: the same URL will be refused again. */
export class OutboundRefusedError extends NonRetryableError {
  constructor(message: string, details: Record<string, Json> = {}) {
    super(message, { code: 'SSRF_REFUSED', details });
  }
}

export interface OutboundRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The step's signal: aborting it (step timeout, shutdown) aborts the request with its reason. */
  signal?: AbortSignal;
  /** Overrides the policy's timeout for this request. */
  timeoutMs?: number;
  /**
   * Further headers that carry a credential (a connector's `settings.authHeader`, e.g.
   * x-api-key): dropped, like Authorization, Cookie and Proxy-Authorization, on a redirect to
   * another origin.
   */
  credentialHeaders?: readonly string[];
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON, else text; null when empty. */
  body: Json;
  /** The URL that answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Set by undici or by us; a caller must not smuggle them in.
const CONTROLLED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);
// Credentials for one origin must not follow a redirect to another (plus the request's own credentialHeaders).
const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

/** One request through the guard, following up to maxRedirects redirects. */
export async function outboundRequest(policy: OutboundPolicy, req: OutboundRequest): Promise<OutboundResponse> {
  const controller = new AbortController();
  const timeoutMs = req.timeoutMs ?? policy.timeoutMs;
  const timer = setTimeout(() => controller.abort(new RetryableError(`no response within ${timeoutMs} ms`, { code: 'REQUEST_TIMEOUT' })), timeoutMs);
  const onParentAbort = (): void => controller.abort(req.signal?.reason);
  if (req.signal?.aborted) onParentAbort();
  else req.signal?.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await follow(policy, req, controller.signal);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onParentAbort);
  }
}

async function follow(policy: OutboundPolicy, req: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
  let url = new URL(req.url);
  let method = (req.method ?? 'GET').toUpperCase();
  let body = req.body;
  // A Map: header names are caller-given, and one named __proto__ must stay a header.
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(req.headers ?? {})) {
    if (!CONTROLLED_HEADERS.has(key.toLowerCase())) headers.set(key.toLowerCase(), value);
  }
  const credentials = new Set([...CREDENTIAL_HEADERS, ...(req.credentialHeaders ?? []).map((name) => name.toLowerCase())]);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundRefusedError(`refused a ${url.protocol} URL: only http and https are allowed`, { scheme: url.protocol });
    }
    const res = await request(url, { method, headers: [...headers].flat(), body, signal, dispatcher: agentFor(policy) });
    const location = headerValue(res.headers.location);
    if (!REDIRECTS.has(res.statusCode) || location === undefined) {
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body: await readBody(res, policy.maxResponseBytes), url: url.toString() };
    }
    await res.body.dump();
    if (hop >= policy.maxRedirects) {
      throw new NonRetryableError(`more than ${policy.maxRedirects} redirects (last from ${url.host})`, { code: 'TOO_MANY_REDIRECTS', status: res.statusCode });
    }
    if (!URL.canParse(location, url)) {
      throw new NonRetryableError(`${url.host} redirected to an invalid location`, { code: 'UPSTREAM_REJECTED', status: res.statusCode });
    }
    const next = new URL(location, url);
    // Origin = scheme, host and port: an https -> http downgrade on the same host drops them too.
    if (next.origin !== url.origin) for (const name of credentials) headers.delete(name);
    // 303, and 301/302 after a POST (as browsers do), turn into a GET without the body.
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    url = next;
  }
}

/**
 * For non-HTTP protocols (SMTP): resolve `hostname`, check every address, return the first to
 * connect to. Callers connect to that address (pinned), so DNS cannot change between check and use.
 */
export async function resolveCheckedAddress(policy: OutboundPolicy, hostname: string, port: number): Promise<string> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = parseIp(host) ? [host] : (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  for (const address of addresses) {
    const refused = refusal(policy, { address, port, hostname: host });
    if (refused) throw refused;
  }
  if (addresses[0] === undefined) throw new RetryableError(`${host} resolved to no address`, { code: 'NETWORK_ERROR' });
  return addresses[0];
}

const agents = new WeakMap<OutboundPolicy, Agent>();

function agentFor(policy: OutboundPolicy): Agent {
  let agent = agents.get(policy);
  if (!agent) {
    agent = new Agent({ connect: guardedConnector(policy) });
    agents.set(policy, agent);
  }
  return agent;
}

function guardedConnector(policy: OutboundPolicy): buildConnector.connector {
  return (options, callback) => {
    const hostname = options.hostname;
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    // An IP literal skips DNS (and so the lookup hook): judge it before any packet is sent.
    const literal = parseIp(hostname) ? refusal(policy, { address: hostname, port, hostname }) : undefined;
    if (literal) return callback(literal, null);
    const connect = buildConnector({ lookup: guardedLookup(policy, port) });
    connect(options, (...args) => {
      if (args[0] !== null) return callback(args[0], null);
      const socket = args[1];
      // Belt and braces: judge the address actually connected, whatever resolved it.
      const address = socket.remoteAddress;
      const refused = address === undefined
        ? new OutboundRefusedError(`refused ${hostname}:${port}: the connected address is unknown`)
        : refusal(policy, { address, port, hostname });
      if (refused) {
        socket.destroy();
        return callback(refused, null);
      }
      callback(null, socket);
    });
  };
}

/** dns.lookup that fails when any resolved address is refused, before a connection is tried. */
function guardedLookup(policy: OutboundPolicy, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const refused = refusal(policy, { address, port, hostname });
        if (refused) return callback(refused, '', 0);
      }
      const first = addresses[0];
      if (options.all) callback(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }), '', 0);
    });
  };
}

function refusal(policy: OutboundPolicy, target: { address: string; port: number; hostname: string }): OutboundRefusedError | undefined {
  const verdict = checkAddress(policy.addresses, target);
  if (verdict.ok) return undefined;
  const shown = target.hostname === target.address ? target.address : `${target.hostname} (${target.address})`;
  return new OutboundRefusedError(`refused to connect to ${shown} port ${target.port}: ${verdict.reason}`, {
    host: target.hostname,
    address: target.address,
    port: target.port,
    reason: verdict.reason,
  });
}

async function readBody(res: Dispatcher.ResponseData, limit: number): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new NonRetryableError(`the response body exceeded ${limit} bytes`, { code: 'RESPONSE_TOO_LARGE', status: res.statusCode });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  if (/[/+]json\b/i.test(headerValue(res.headers['content-type']) ?? '')) {
    try {
      return JSON.parse(text) as Json;
    } catch {
      // A service that labels text as JSON: hand the text to the step rather than fail it.
    }
  }
  return text;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The server names the headers: fromEntries defines each as an own key, __proto__ included. */
function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([key, value]) => (value === undefined ? [] : [[key, Array.isArray(value) ? value.join(', ') : value]])),
  );
}
