// Executions: list with filters, show one with its steps and timings.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import type { ExecutionStatus } from '../../domain/types.js';
import { ExecutionDetailSchema, ExecutionSchema, Items } from '../api-schemas.js';
import { presentExecution, presentExecutionDetail } from '../present.js';

const Status = Type.Unsafe<ExecutionStatus>({ type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'paused'] });
const ListQuery = Type.Object({
  status: Type.Optional(Status),
  workflow: Type.Optional(Type.String()),
  record_type: Type.Optional(Type.String()),
  record_id: Type.Optional(Type.String()),
  root_change: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'executions per page (default 50, at most 500)' })),
  before: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const executionRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/executions', {
    config: { role: 'viewer' },
    schema: { tags: ['executions'], summary: 'List executions, newest first', querystring: ListQuery, response: { 200: Items(ExecutionSchema, { next: Type.Union([Type.String(), Type.Null()]) }) } },
  }, async (request) => {
    const q = request.query as { status?: ExecutionStatus; workflow?: string; record_type?: string; record_id?: string; root_change?: string; limit?: number; before?: string };
    const items = await engine.executions.list({
      tenant: request.tenant, status: q.status, workflowId: q.workflow, recordType: q.record_type, recordId: q.record_id,
      rootChangeId: q.root_change, limit: q.limit, before: q.before,
    });
    return { items: items.map(presentExecution), next: items.length === (q.limit ?? 50) ? items.at(-1)?.id : null };
  });

  app.get('/executions/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['executions'], summary: 'An execution with its steps and timings', params: Type.Object({ id: Type.String() }), response: { 200: ExecutionDetailSchema } },
  }, async (request) => presentExecutionDetail(await engine.executions.show(request.tenant, (request.params as { id: string }).id)));
};
