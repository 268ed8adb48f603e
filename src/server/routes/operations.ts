// Operations: the dead-letter list, circuit breakers and alerts.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import type { Selection } from '../../services/dead-letters-service.js';

const SelectionBody = Type.Object({
  ids: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000 })),
  workflow: Type.Optional(Type.String()),
  all: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const operationsRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/dead-letters', {
    schema: { tags: ['operations'], summary: 'Executions that failed for good', querystring: Type.Object({ workflow: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), before: Type.Optional(Type.String()) }) },
  }, async (request) => ({ items: await engine.deadLetters.list(request.tenant, request.query as { workflow?: string; limit?: number; before?: string }) }));

  app.get('/dead-letters/:id', { schema: { tags: ['operations'], summary: 'A dead letter with its trigger, steps and every attempt', params: Type.Object({ id: Type.String() }) } }, async (request) =>
    engine.deadLetters.show(request.tenant, (request.params as { id: string }).id));

  app.post('/dead-letters/replay', { schema: { tags: ['operations'], summary: 'Requeue dead letters (ids, a workflow, or all); idempotency keys are kept', body: SelectionBody } }, async (request) =>
    ({ replayed: await engine.deadLetters.replay(request.tenant, request.body as Selection) }));

  app.post('/dead-letters/discard', { schema: { tags: ['operations'], summary: 'Cancel dead letters', body: SelectionBody } }, async (request) =>
    ({ discarded: await engine.deadLetters.discard(request.tenant, request.body as Selection) }));

  app.get('/breakers', { schema: { tags: ['operations'], summary: 'Circuit breaker state and recent transitions' } }, async (request) =>
    ({ items: await engine.store.listBreakers(request.tenant) }));

  app.get('/alerts', { schema: { tags: ['operations'], summary: 'Recent alerts, newest first', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }) } }, async (request) =>
    ({ items: await engine.store.listAlerts(request.tenant, (request.query as { limit?: number }).limit ?? 100) }));
};
