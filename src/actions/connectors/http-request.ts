// http.request: call an HTTP API through an `http` connector (baseUrl + optional auth secret).
// Sends Idempotency-Key so a retried or replayed step can be de-duplicated by the service, and
// returns { status, body } so later steps can read the answer.
import { Type } from '@sinclair/typebox';
import type { CelProgram } from '../../conditions/cel.js';
import { outboundRequest } from '../../net/outbound-http.js';
import { NonRetryableError } from '../../failures/action-failures.js';
import type { ExternalAction } from '../types.js';
import { CelParam, ConnectorParam, StepCompiler, expectSuccess, renderMap, renderString, setting, useConnector, withRedaction } from './common.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

export interface CompiledHttpRequest {
  connector: string;
  method: Method;
  path?: CelProgram;
  url?: CelProgram;
  headers: Record<string, CelProgram>;
  body: Record<string, CelProgram>;
}

export const httpRequest: ExternalAction<CompiledHttpRequest> = {
  kind: 'external',
  type: 'http.request',
  connectorType: 'http',
  description: 'Call an HTTP API through an http connector; the output is { status, body }',
  params: {
    connector: ConnectorParam,
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)), { default: 'POST' })),
    path: Type.Optional({ ...CelParam, description: 'CEL: a path appended to the connector\'s baseUrl' }),
    url: Type.Optional({ ...CelParam, description: 'CEL: an absolute URL (the connector\'s auth header is sent only to its own origin)' }),
    headers: Type.Optional(Type.Record(Type.String(), CelParam, { description: 'header: CEL expression' })),
    body: Type.Optional(Type.Record(Type.String(), CelParam, { description: 'JSON body, key: CEL expression' })),
  },
  compile(step, ctx) {
    const c = new StepCompiler(step, ctx);
    const connector = c.connector();
    const method = (step.method ?? 'POST') as Method;
    if (!METHODS.includes(method)) c.problem('method', `use one of ${METHODS.join(', ')}`);
    if (step.path !== undefined && step.url !== undefined) c.problem('url', 'give path or url, not both');
    const compiled: CompiledHttpRequest = {
      connector,
      method,
      path: c.template('path', { required: false }),
      url: c.template('url', { required: false }),
      headers: c.templateMap('headers', 'string'),
      body: c.templateMap('body', 'any'),
    };
    if (method === 'GET' && Object.keys(compiled.body).length > 0) c.problem('body', 'a GET request has no body');
    return { problems: c.problems, compiled };
  },
  async run(compiled, ctx) {
    const use = useConnector(ctx, compiled.connector, httpRequest);
    const base = new URL(setting(use.connector, 'baseUrl'));
    const target = compiled.url ? parseUrl(renderString(compiled.url, ctx.cel, 'url')) : joinPath(base, compiled.path ? renderString(compiled.path, ctx.cel, 'path') : '');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(compiled.headers)) headers[name.toLowerCase()] = renderString(value, ctx.cel, `headers/${name}`);
    const hasBody = Object.keys(compiled.body).length > 0;
    if (hasBody) headers['content-type'] ??= 'application/json';
    // The credential is for the configured API only: a CEL-built URL elsewhere must not receive it,
    // nor a host the API redirects to (credentialHeaders: dropped on a cross-origin redirect).
    const auth = Object.hasOwn(use.connector.secrets, 'auth') ? use.connector.secrets.auth : undefined;
    const authHeader = setting(use.connector, 'authHeader', 'authorization').toLowerCase();
    if (auth !== undefined && target.origin === base.origin) headers[authHeader] = auth;
    headers['idempotency-key'] = ctx.idempotencyKey;

    return withRedaction(use.secrets, async () => {
      const response = await outboundRequest(use.outbound, {
        url: target,
        method: compiled.method,
        headers,
        body: hasBody ? JSON.stringify(renderMap(compiled.body, ctx.cel, 'body')) : undefined,
        signal: ctx.signal,
        timeoutMs: use.timeoutMs,
        credentialHeaders: [authHeader],
      });
      expectSuccess(response, `${compiled.method} ${target.host}`, ctx.cel.now);
      return { status: response.status, body: response.body };
    });
  },
};

function parseUrl(text: string): URL {
  if (!URL.canParse(text)) throw new NonRetryableError(`step param "url" produced an invalid URL`, { code: 'TEMPLATE_FAILED' });
  return new URL(text);
}

/** baseUrl "https://api.example/v1" + "/customers/7" → "https://api.example/v1/customers/7", same origin. */
function joinPath(base: URL, path: string): URL {
  const joined = new URL(`${base.href.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  if (joined.origin !== base.origin) throw new NonRetryableError('step param "path" left the connector\'s origin', { code: 'TEMPLATE_FAILED' });
  return joined;
}
