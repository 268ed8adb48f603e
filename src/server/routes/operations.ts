// Operations: the dead-letter list, circuit breakers and alerts.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import type { Selection } from '../../services/dead-letters-service.js';
import { AlertSchema, BreakerSchema, DeadLetterSchema, ExecutionSchema, Items } from '../api-schemas.js';
import { presentAlert, presentBreaker, presentDeadLetter, presentExecution } from '../present.js';

const SelectionBody = Type.Object({
  ids: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000 })),
  workflow: Type.Optional(Type.String()),
  all: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const operationsRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/dead-letters', {
    config: { role: 'viewer' },
    schema: { tags: ['operations'], summary: 'Executions that failed for good', querystring: Type.Object({ workflow: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'dead letters per page (default 50, at most 500)' })), before: Type.Optional(Type.String()) }), response: { 200: Items(ExecutionSchema) } },
  }, async (request) => ({ items: (await engine.deadLetters.list(request.tenant, request.query as { workflow?: string; limit?: number; before?: string })).map(presentExecution) }));

  app.get('/dead-letters/:id', { config: { role: 'viewer' }, schema: { tags: ['operations'], summary: 'A dead letter with its trigger, steps and every attempt', params: Type.Object({ id: Type.String() }), response: { 200: DeadLetterSchema } } }, async (request) =>
    presentDeadLetter(await engine.deadLetters.show(request.tenant, (request.params as { id: string }).id)));

  app.post('/dead-letters/replay', { config: { role: 'editor' }, schema: { tags: ['operations'], summary: 'Requeue dead letters (ids, a workflow, or all); idempotency keys are kept', body: SelectionBody } }, async (request) =>
    ({ replayed: await engine.deadLetters.replay(request.tenant, request.body as Selection) }));

  app.post('/dead-letters/discard', { config: { role: 'editor' }, schema: { tags: ['operations'], summary: 'Cancel dead letters', body: SelectionBody } }, async (request) =>
    ({ discarded: await engine.deadLetters.discard(request.tenant, request.body as Selection, request.token.name) }));

  app.get('/breakers', { config: { role: 'viewer' }, schema: { tags: ['operations'], summary: 'Circuit breaker state and recent transitions', response: { 200: Items(BreakerSchema) } } }, async (request) =>
    ({ items: (await engine.store.listBreakers(request.tenant)).map(presentBreaker) }));

  app.get('/alerts', { config: { role: 'viewer' }, schema: { tags: ['operations'], summary: 'Recent alerts, newest first', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'alerts to return (default 100, at most 1000)' })) }), response: { 200: Items(AlertSchema) } } }, async (request) =>
    ({ items: (await engine.store.listAlerts(request.tenant, (request.query as { limit?: number }).limit ?? 100)).map(presentAlert) }));
};
