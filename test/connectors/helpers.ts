// Test helpers for connector actions: hand-built StepContexts, compiled steps, local servers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { NonRetryableError } from '../../src/failures/action-failures.js';
import { resolveConnectors, type ConnectorRuntime } from '../../src/actions/connectors/config.js';
import type { ExternalAction, ResolvedConnector, StepContext } from '../../src/actions/types.js';
import { CelScope } from '../../src/conditions/cel.js';
import type { FieldProblem } from '../../src/errors.js';
import { resolveObjectTypes } from '../../src/records/object-types.js';
import type { RecordData } from '../../src/domain/types.js';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
const types = resolveObjectTypes();
const deal = types.get('deal') as NonNullable<ReturnType<typeof types.get>>;
const scope = new CelScope(deal);

export function compileProblems<C>(action: ExternalAction<C>, step: Record<string, unknown>): FieldProblem[] {
  return action.compile({ id: 'step', type: action.type, ...step }, { types, objectType: deal, scope, path: '/actions/0' }).problems;
}

/** Compiles a step of a deal workflow, failing the test on any problem. */
export function compileStep<C>(action: ExternalAction<C>, step: Record<string, unknown>): C {
  const result = action.compile({ id: 'step', type: action.type, ...step }, { types, objectType: deal, scope, path: '/actions/0' });
  if (result.problems.length > 0 || result.compiled === undefined) throw new Error(`compile problems: ${JSON.stringify(result.problems)}`);
  return result.compiled;
}

export function stepContext(connectors: Map<string, ResolvedConnector>, options: { record?: RecordData; signal?: AbortSignal; idempotencyKey?: string } = {}): StepContext {
  return {
    tenant: 't1',
    executionId: 'exec-1',
    stepId: 'notify',
    idempotencyKey: options.idempotencyKey ?? 'exec-1:notify',
    recordType: 'deal',
    recordId: 'd1',
    cel: { record: options.record ?? { name: 'Acme renewal', amount: 60000, stage: 'Negotiation', owner: 'ana@example.com' }, previous: {}, changed: ['stage'], now: NOW },
    signal: options.signal ?? new AbortController().signal,
    connector(name) {
      const found = connectors.get(name);
      if (!found) throw new NonRetryableError(`no connector "${name}"`, { code: 'CONNECTOR_INVALID' });
      return found;
    },
  };
}

/** resolveConnectors with the given secrets as environment variables. */
export function connectorsFor(configs: unknown[], env: Record<string, string>, allow: string[] = []): Map<string, ConnectorRuntime> {
  return resolveConnectors(configs, { env, outbound: { allow, timeoutMs: 3000 } });
}

export interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LocalServer {
  port: number;
  /** http://127.0.0.1:port */
  origin: string;
  requests: Captured[];
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and connection. */
export async function startHttpServer(handler: (req: Captured, res: ServerResponse) => void): Promise<LocalServer> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(captured);
      handler(captured, res);
    });
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Everything an error exposes: message, stack, own fields and causes, deeply. */
export function everythingIn(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 10, showHidden: true })}\n${JSON.stringify(error)}`;
}

/** Runs the promise and returns what it threw (fails when it resolves). */
export async function thrown(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
