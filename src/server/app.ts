// The HTTP face: thin handlers over the services; problem+json for every error.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Engine } from '../engine.js';
import { MAX_YAML_TEXT } from '../definitions/yaml-text.js';
import { authenticate, authorize, declareAccess, isPublicRoute, NO_TOKEN, tokenGrant, type RouteAccess } from './auth.js';
import type { ApiToken } from '../domain/access.js';
import { BODY_LIMIT_BYTES, MAX_PARAM_LENGTH, pathOnly, sendProblem } from './problem.js';
import { rejectUnknownQueryParameters } from './query-parameters.js';
import { executionRoutes } from './routes/executions.js';
import { stopRoutes } from './routes/stops.js';
import { operationsRoutes } from './routes/operations.js';
import { healthRoutes } from './routes/health.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { recordRoutes } from './routes/records.js';
import { explainRoutes } from './routes/explain.js';
import { graphRoutes, workflowRoutes } from './routes/workflows.js';
import { deploymentRoutes } from './routes/deployments.js';
import { scheduleRoutes } from './routes/schedules.js';
import { objectTypeRoutes } from './routes/object-types.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

export interface ServerOptions {
  logger?: boolean | object;
}

/** Request logs carry the path only: a token pasted into a query string must not reach the log. */
const requestSerializer = (request: { method: string; url: string; ip?: string }) => ({ method: request.method, url: pathOnly(request.url), remoteAddress: request.ip });

export async function buildServer(engine: Engine, options: ServerOptions = {}): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] = options.logger === undefined || options.logger === false ? false
    : { ...(options.logger === true ? {} : options.logger), serializers: { req: requestSerializer } };
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's validator would drop a property a schema does not allow (removeAdditional) and
    // answer as if it were not sent: a mistyped `ids` on a dead-letter replay would then widen the
    // selection to the whole workflow. An unknown property is a 400 naming it instead.
    ajv: { customOptions: { removeAdditional: false } },
    // Router errors (bad percent-encoding, an over-long parameter) are problems like any other.
    frameworkErrors: (error, request, reply) => { void sendProblem(request, reply, error); },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchyard API', version: '0.1.0', description: 'Workflow automation for CRM data' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: engine.config.tokens.size > 0 ? [{ bearer: [] }] : [],
    },
  });
  // Workflow definitions may be sent as YAML; the service parses and locates errors. YAML costs far
  // more to parse than JSON, so its bodies have the parser's own, smaller limit (413 above it).
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string', bodyLimit: MAX_YAML_TEXT }, (_req, body, done) => done(null, body));
  app.decorateRequest('tenant', '');
  app.decorateRequest('token', null as unknown as ApiToken); // set on every request by the onRequest hook below
  // Every route's declared access (public, or the role it needs), collected as routes register.
  const access: RouteAccess[] = [];
  app.decorate('routeAccess', access);
  app.addHook('onRoute', declareAccess(access));
  rejectUnknownQueryParameters(app);
  // Runs after routing, on the route the router resolved (see auth.ts): every route is
  // authenticated unless it is declared public, then needs the role it declares (admin when it
  // declares none). Public routes still learn the caller's tenant when a valid token is sent
  // (health shows that tenant's counts).
  app.addHook('onRequest', async (request) => {
    if (isPublicRoute(request)) {
      request.token = tokenGrant(request, engine.config.tokens) ?? NO_TOKEN;
    } else {
      request.token = authenticate(request, engine.config.tokens);
      authorize(request, request.token);
    }
    request.tenant = request.token.tenant;
  });
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, Object.assign(new Error(`no route for ${request.method} ${pathOnly(request.url)}`), { statusCode: 404 })));

  await app.register(healthRoutes(engine));
  await app.register(dashboardRoutes);
  await app.register(recordRoutes(engine), { prefix: '/v1' });
  await app.register(explainRoutes(engine), { prefix: '/v1' });
  await app.register(workflowRoutes(engine), { prefix: '/v1' });
  await app.register(graphRoutes(engine), { prefix: '/v1' });
  await app.register(deploymentRoutes(engine), { prefix: '/v1' });
  await app.register(executionRoutes(engine), { prefix: '/v1' });
  await app.register(scheduleRoutes(engine), { prefix: '/v1' });
  await app.register(objectTypeRoutes(engine), { prefix: '/v1' });
  await app.register(stopRoutes(engine), { prefix: '/v1' });
  await app.register(operationsRoutes(engine), { prefix: '/v1' });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, () => app.swagger());
  await app.ready();
  return app;
}
