// Explain: why each workflow of the record's type did or did not run, per change (services/explain.ts).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import { validationError } from '../../errors.js';
import { EXPLAIN_MAX_CHANGES } from '../../services/explain-service.js';

const Params = Type.Object({ type: Type.String(), id: Type.String() });
const Query = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPLAIN_MAX_CHANGES, description: `changes to explain, newest first (default 10, at most ${EXPLAIN_MAX_CHANGES})` })),
}, { additionalProperties: false });

export const explainRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/records/:type/:id/explain', {
    config: { role: 'viewer' },
    // The schema would drop an unknown parameter silently; a misspelt one must not pass unseen.
    preValidation: async (request) => {
      const unknown = Object.keys(request.query as object).filter((name) => !Object.hasOwn(Query.properties, name));
      if (unknown.length > 0) throw validationError(unknown.map((name) => ({ path: `/querystring/${name}`, message: `unknown query parameter "${name}" (known: ${Object.keys(Query.properties).join(', ')})` })));
    },
    schema: { tags: ['records'], summary: 'Per change (newest first): every workflow of the type and why it did or did not run', params: Params, querystring: Query },
  }, async (request) => {
    const { type, id } = request.params as { type: string; id: string };
    const { limit } = request.query as { limit?: number };
    return engine.explain.record(request.tenant, type, id, { limit });
  });
};
