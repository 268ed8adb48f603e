// Tenant isolation at the edge (invariant 8): a bearer token names exactly one tenant, and every
// service call below takes that tenant. With no tokens configured, the server is in open mode
// and every request belongs to the default tenant.
import type { FastifyRequest } from 'fastify';
import { DEFAULT_TENANT } from '../config.js';
import { SwitchyardError } from '../errors.js';

export function tenantOf(request: FastifyRequest, tokens: Map<string, string>): string {
  if (tokens.size === 0) return DEFAULT_TENANT;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const tenant = match?.[1] ? tokens.get(match[1]) : undefined;
  if (!tenant) throw new SwitchyardError('UNAUTHORIZED', 'send Authorization: Bearer <token> with a valid API token');
  return tenant;
}
