import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';

export const healthRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/health', { schema: { summary: 'Liveness and store reachability', tags: ['health'] } }, async () => {
    const counts = await engine.store.countExecutionsByStatus();
    return { status: 'ok', store: engine.store.backend, executions: counts };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (_request, reply) =>
    reply.type(engine.metrics.contentType).send(await engine.metrics.metrics()));
};
