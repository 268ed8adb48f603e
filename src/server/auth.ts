// Who is calling, and may they do this? Tenant isolation (invariant 8) and roles, at the edge.
//
// A bearer token names exactly one tenant, a name and a role (config `tokens`, domain/access.ts).
// Every service call below takes that tenant; every write names the token as its actor
// (`actorOf(request)`, invariant 9). With no tokens configured, the server is in open mode: every
// request belongs to the default tenant, as an admin named `api:default`.
//
// Authentication is decided on the route the router resolved, never on the raw URL: the router
// decodes and normalises the path (`/v%31/records` reaches `/v1/records`, as does the absolute form
// `GET http://host/v1/...`), so a prefix check on `request.url` can be walked around. Every route is
// authenticated unless it declares `config: { public: true }`; unmatched URLs are authenticated too,
// so probing without a token learns nothing about which routes exist.
//
// Roles: a route declares the least role it needs, and the onRequest hook (app.ts) answers 403
// FORBIDDEN (naming the token's role and the role needed) to a weaker token:
//
//   app.get('/things', { config: { role: 'viewer' }, schema: ... }, handler)      reads
//   app.post('/things/:id/cancel', { config: { role: 'editor' } }, handler)       operates: records, runs, cancels
//   app.put('/things/:id', { config: { role: 'admin' } }, handler)                changes what runs
//
// A route that declares neither `public` nor `role` needs admin (the strictest), and
// test/api/roles.test.ts fails until it declares one. The role also shows in the OpenAPI document
// (`x-required-role` and the operation's description).
import type { FastifyRequest, RouteOptions } from 'fastify';
import { DEFAULT_TENANT } from '../config.js';
import { roleAllows, type ApiToken, type Role } from '../domain/access.js';
import type { Actor } from '../domain/types.js';
import { SwitchyardError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a token (health, the static dashboard page, the OpenAPI document). */
    public?: boolean;
    /** The least role a token needs for this route; undeclared: admin. */
    role?: Role;
  }
  interface FastifyInstance {
    /** Every route's declared access, in registration order (test/api/roles.test.ts reads it). */
    routeAccess: readonly RouteAccess[];
  }
  interface FastifyRequest {
    /** The caller's token (open mode: OPEN_MODE_TOKEN; a public route without one: NO_TOKEN). */
    token: ApiToken;
  }
}

/** Open mode's caller: no tokens are configured, so everyone is this admin of the default tenant. */
export const OPEN_MODE_TOKEN: ApiToken = Object.freeze({ tenant: DEFAULT_TENANT, name: `api:${DEFAULT_TENANT}`, role: 'admin' });

/** A caller of a public route who sent no valid token: no tenant, no name, the weakest role. */
export const NO_TOKEN: ApiToken = Object.freeze({ tenant: '', name: '', role: 'viewer' });

/** A route's access as declared: what test/api/roles.test.ts checks and what OpenAPI shows. */
export interface RouteAccess {
  method: string;
  url: string;
  public: boolean;
  /** As declared; undefined means the route did not declare one (it needs admin). */
  role: Role | undefined;
}

/** The grant of a valid bearer token; undefined when the request carries none or an unknown one. */
export function tokenGrant(request: FastifyRequest, tokens: ReadonlyMap<string, ApiToken>): ApiToken | undefined {
  if (tokens.size === 0) return OPEN_MODE_TOKEN;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? tokens.get(match[1]) : undefined;
}

export function authenticate(request: FastifyRequest, tokens: ReadonlyMap<string, ApiToken>): ApiToken {
  const grant = tokenGrant(request, tokens);
  if (!grant) throw new SwitchyardError('UNAUTHORIZED', 'send Authorization: Bearer <token> with a valid API token');
  return grant;
}

/** Is the resolved route open to anonymous callers? Unmatched URLs are not. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url !== undefined && request.routeOptions.config.public === true;
}

export function requiredRole(config: { role?: Role } | undefined): Role {
  return config?.role ?? 'admin';
}

/** Throws FORBIDDEN when the token's role is weaker than the resolved route needs. */
export function authorize(request: FastifyRequest, grant: ApiToken): void {
  if (request.routeOptions.url === undefined) return; // unmatched: the not-found handler answers
  const needed = requiredRole(request.routeOptions.config);
  if (roleAllows(grant.role, needed)) return;
  throw new SwitchyardError('FORBIDDEN', `token "${grant.name}" has the ${grant.role} role; ${request.method} ${request.routeOptions.url} needs ${needed}`, {
    extra: { role: grant.role, requiredRole: needed },
  });
}

/** The actor of a write made through the API: the token's name. */
export function actorOf(request: FastifyRequest): Extract<Actor, { kind: 'user' }> {
  return { kind: 'user', id: request.token.name };
}

/** An onRoute hook: lists the route's access and writes its role into its OpenAPI operation. */
export function declareAccess(routes: RouteAccess[]): (route: RouteOptions) => void {
  return (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const isPublic = route.config?.public === true;
    for (const method of methods) routes.push({ method, url: route.url, public: isPublic, role: route.config?.role });
    if (isPublic || !route.schema || route.schema.hide) return;
    const role = requiredRole(route.config);
    const schema = route.schema as Record<string, unknown>;
    if (schema['x-required-role'] !== undefined) return; // a HEAD route shares its GET's schema
    // A copy: one schema object may be shared by routes that need different roles.
    const description = `${typeof schema.description === 'string' ? `${schema.description}\n\n` : ''}Needs a token with the ${role} role (or stronger).`;
    route.schema = { ...schema, 'x-required-role': role, description } as RouteOptions['schema'];
  };
}
