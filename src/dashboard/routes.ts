// The dashboard: one static page served by the same process. It calls the public API (with the
// user's token) for health, executions, dead letters, breakers, alerts and the workflow graph;
// it holds no SQL and no data of its own, so the page itself is served without a token.
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true }, config: { public: true } }, async (_request, reply) => reply.redirect('/dashboard'));
  app.get('/dashboard', { schema: { hide: true }, config: { public: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
};
