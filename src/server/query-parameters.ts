// Unknown query parameters are refused, on every route: a mistyped filter (`?stauts=failed`)
// must not be ignored and answer as if it were not there. Each route's names come from its
// querystring schema (none declared: it takes none); a route whose schema admits more names
// (records: a filter per field of the type) checks them itself. Fastify's validator would drop
// unknown properties silently (removeAdditional), so the check runs before validation.
import type { FastifyInstance } from 'fastify';
import { SwitchyardError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The query parameters the route takes (from its schema); undefined: the route checks them itself. */
    queryParameters?: readonly string[];
  }
}

interface QuerySchema {
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
}

/** Registers the check; call before any route is registered. */
export function rejectUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // Hidden routes are the static pages (dashboard, OpenAPI document), not the API.
    if (route.schema?.hide === true) return;
    const schema = route.schema?.querystring as QuerySchema | undefined;
    if (schema?.additionalProperties !== undefined && schema.additionalProperties !== false) return;
    route.config = { ...route.config, queryParameters: Object.keys(schema?.properties ?? {}) };
  });
  app.addHook('preValidation', async (request) => {
    const known = request.routeOptions.config.queryParameters;
    if (!known) return;
    const unknown = Object.keys(request.query ?? {}).filter((name) => !known.includes(name));
    if (unknown.length === 0) return;
    const takes = known.length > 0 ? `this route takes ${known.join(', ')}` : 'this route takes no query parameters';
    const problems = unknown.map((name) => ({ path: `/querystring/${name}`, message: `unknown query parameter "${name}"; ${takes}` }));
    throw new SwitchyardError('UNKNOWN_PARAMETER', problems.map((p) => p.message).join('; '), { problems });
  });
}
