// Tenant isolation at the edge (invariant 8): a bearer token names exactly one tenant, and every
// service call below takes that tenant. With no tokens configured, the server is in open mode
// and every request belongs to the default tenant.
//
// Authentication is decided on the route the router resolved, never on the raw URL: the router
// decodes and normalises the path (`/v%31/records` reaches `/v1/records`, as does the absolute form
// `GET http://host/v1/...`), so a prefix check on `request.url` can be walked around. Every route is
// authenticated unless it declares `config: { public: true }`; unmatched URLs are authenticated too,
// so probing without a token learns nothing about which routes exist.
import type { FastifyRequest } from 'fastify';
import { DEFAULT_TENANT } from '../config.js';
import { SwitchyardError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a token (health, the static dashboard page, the OpenAPI document). */
    public?: boolean;
  }
}

/** The tenant of a valid bearer token; undefined when the request carries none or an unknown one. */
export function tokenTenant(request: FastifyRequest, tokens: ReadonlyMap<string, string>): string | undefined {
  if (tokens.size === 0) return DEFAULT_TENANT;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? tokens.get(match[1]) : undefined;
}

export function tenantOf(request: FastifyRequest, tokens: ReadonlyMap<string, string>): string {
  const tenant = tokenTenant(request, tokens);
  if (!tenant) throw new SwitchyardError('UNAUTHORIZED', 'send Authorization: Bearer <token> with a valid API token');
  return tenant;
}

/** Is the resolved route open to anonymous callers? Unmatched URLs are not. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url !== undefined && request.routeOptions.config.public === true;
}
