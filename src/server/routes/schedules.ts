// Schedules and relative-date timers: each with its next fire (UTC and in its own time zone), and
// the fires that did not run with the reason (missed-fire policies never drop one silently).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import type { TimerStatus } from '../../domain/time-triggers.js';

const TimerStatusSchema = Type.Unsafe<TimerStatus | 'all'>({ type: 'string', enum: ['scheduled', 'fired', 'skipped', 'cancelled', 'all'] });
const ListQuery = Type.Object({
  status: Type.Optional(TimerStatusSchema),
  workflow: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'timers listed (default 100, at most 1000), earliest due first' })),
}, { additionalProperties: false });
const SkippedQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
const open = { additionalProperties: true } as const;
const ListReply = Type.Object({ schedules: Type.Array(Type.Object({}, open)), timers: Type.Array(Type.Object({}, open)) }, open);

export const scheduleRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/schedules', {
    config: { role: 'viewer' },
    schema: { tags: ['schedules'], summary: 'Schedules and relative-date timers with their next fire', querystring: ListQuery, response: { 200: ListReply } },
  }, async (request) => {
    const q = request.query as { status?: TimerStatus | 'all'; workflow?: string; limit?: number };
    return engine.schedules.list(request.tenant, { status: q.status, workflowId: q.workflow, limit: q.limit });
  });

  app.get('/schedules/skipped', {
    config: { role: 'viewer' },
    schema: { tags: ['schedules'], summary: 'Fires that did not run, newest first, with the reason', querystring: SkippedQuery, response: { 200: Type.Object({ items: Type.Array(Type.Object({}, open)) }, open) } },
  }, async (request) => ({ items: await engine.schedules.skipped(request.tenant, (request.query as { limit?: number }).limit) }));
};
