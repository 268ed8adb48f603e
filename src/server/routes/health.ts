import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import { tenantMetrics } from '../../observability/metrics.js';

export const healthRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  // Open to load balancers without a token, so it says only "ok" to them; a caller with a valid
  // token also sees the store and its own tenant's execution counts, never another tenant's.
  app.get('/health', { schema: { summary: 'Liveness; with a token, store and the tenant\'s execution counts', tags: ['health'] }, config: { public: true } }, async (request) => {
    if (!request.tenant) return { status: 'ok' };
    const counts = await engine.store.countExecutionsByStatus(request.tenant);
    return { status: 'ok', store: engine.store.backend, executions: counts };
  });

  // Authenticated: a tenant's token sees that tenant's series only (open mode: everything).
  app.get('/metrics', { config: { role: 'viewer' }, schema: { summary: 'Prometheus metrics of the caller\'s tenant', tags: ['health'] } }, async (request, reply) => {
    const text = await engine.metrics.metrics();
    return reply.type(engine.metrics.contentType).send(engine.config.tokens.size === 0 ? text : tenantMetrics(text, request.tenant));
  });
};
