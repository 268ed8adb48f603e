// The HTTP face: thin handlers over the services; problem+json for every error.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Engine } from '../engine.js';
import { tenantOf } from './auth.js';
import { sendProblem } from './problem.js';
import { executionRoutes } from './routes/executions.js';
import { operationsRoutes } from './routes/operations.js';
import { healthRoutes } from './routes/health.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { recordRoutes } from './routes/records.js';
import { graphRoutes, workflowRoutes } from './routes/workflows.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

export interface ServerOptions {
  logger?: boolean | object;
}

export async function buildServer(engine: Engine, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 5 * 1024 * 1024 });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchyard API', version: '0.1.0', description: 'Workflow automation for CRM data' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: engine.config.tokens.size > 0 ? [{ bearer: [] }] : [],
    },
  });
  // Workflow definitions may be sent as YAML; the service parses and locates errors.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/')) request.tenant = tenantOf(request, engine.config.tokens);
  });
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, Object.assign(new Error(`no route for ${request.method} ${request.url}`), { statusCode: 404 })));

  await app.register(healthRoutes(engine));
  await app.register(dashboardRoutes);
  await app.register(recordRoutes(engine), { prefix: '/v1' });
  await app.register(workflowRoutes(engine), { prefix: '/v1' });
  await app.register(graphRoutes(engine), { prefix: '/v1' });
  await app.register(executionRoutes(engine), { prefix: '/v1' });
  await app.register(operationsRoutes(engine), { prefix: '/v1' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.ready();
  return app;
}
