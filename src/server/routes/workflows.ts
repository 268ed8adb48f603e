// Workflows: deploy a version (JSON or YAML), list, show with versions, enable, disable.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { formatReport, type GraphReport, type ReportFormat } from '../../graph/index.js';
import { parseDefinitionText } from '../../definitions/validate.js';
import type { Engine } from '../../engine.js';
import { Items, WorkflowSchema, WorkflowVersionSchema } from '../api-schemas.js';
import { presentWorkflow, presentWorkflowVersion } from '../present.js';
import { MAX_STOP_REASON } from '../../services/stops-service.js';

const IdParams = Type.Object({ id: Type.String() });

export const workflowRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/workflows', { config: { role: 'viewer' }, schema: { tags: ['workflows'], summary: 'List workflows', response: { 200: Items(WorkflowSchema) } } }, async (request) => ({
    items: (await engine.workflows.list(request.tenant)).map(presentWorkflow),
  }));

  app.put('/workflows/:id', {
    config: { role: 'admin' },
    schema: { tags: ['workflows'], summary: 'Deploy a definition (JSON or YAML); an unchanged one makes no new version', params: IdParams },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const value = typeof request.body === 'string' ? parseDefinitionText(request.body, 'request body') : request.body;
    const result = await engine.workflows.deploy(request.tenant, value, { expectedId: id });
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.get('/workflows/:id', {
    config: { role: 'viewer' },
    schema: { tags: ['workflows'], summary: 'A workflow with all its versions', params: IdParams, response: { 200: Type.Object({ workflow: WorkflowSchema, versions: Type.Array(WorkflowVersionSchema) }, { additionalProperties: true }) } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { workflow, versions, ...rest } = await engine.workflows.show(request.tenant, id);
    return { ...rest, workflow: presentWorkflow(workflow), versions: versions.map(presentWorkflowVersion) };
  });

  app.post('/workflows/:id/enable', { config: { role: 'admin' }, schema: { tags: ['workflows'], summary: 'Enable a workflow', params: IdParams, response: { 200: WorkflowSchema } } }, async (request) =>
    presentWorkflow(await engine.workflows.setEnabled(request.tenant, (request.params as { id: string }).id, true)));

  app.post('/workflows/:id/disable', {
    config: { role: 'admin' },
    schema: {
      tags: ['workflows'], summary: 'Disable a workflow (no new executions); cancelPending also cancels its queued, paused and running ones', params: IdParams,
      body: Type.Union([Type.Object({ cancelPending: Type.Optional(Type.Boolean()), reason: Type.Optional(Type.String({ maxLength: MAX_STOP_REASON })) }, { additionalProperties: false }), Type.Null()]),
      response: { 200: Type.Object({ ...WorkflowSchema.properties, cancelled: Type.Optional(Type.Integer()), stopping: Type.Optional(Type.Integer()) }, { additionalProperties: true }) },
    },
  }, async (request) => {
    const body = (request.body ?? {}) as { cancelPending?: boolean; reason?: string };
    const result = await engine.stops.disable(request.tenant, (request.params as { id: string }).id, request.token.name, body);
    return { ...result, ...presentWorkflow(result) };
  });
};

const FormatQuery = Type.Object({ format: Type.Optional(Type.Unsafe<ReportFormat>({ type: 'string', enum: ['json', 'text', 'mermaid', 'dot'] })) });

/** The dependency graph of the tenant's workflows, optionally with pending definitions in place. */
export const graphRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  const send = (report: GraphReport, format: ReportFormat | undefined, reply: FastifyReply): FastifyReply =>
    !format || format === 'json' ? reply.send(report) : reply.type('text/plain; charset=utf-8').send(formatReport(report, format));

  app.get('/graph', { config: { role: 'viewer' }, schema: { tags: ['workflows'], summary: 'Dependency graph of the active workflows', querystring: FormatQuery } }, async (request, reply) =>
    send(await engine.workflows.graph(request.tenant), (request.query as { format?: ReportFormat }).format, reply));

  // Reads only: the graph with proposed definitions in place; nothing is deployed.
  app.post('/graph', {
    config: { role: 'viewer' },
    schema: { tags: ['workflows'], summary: 'Dependency graph with these definitions deployed (nothing is deployed)', querystring: FormatQuery, body: Type.Object({ definitions: Type.Array(Type.Unknown(), { maxItems: 1000 }) }) },
  }, async (request, reply) => {
    const { definitions } = request.body as { definitions: unknown[] };
    const pending = definitions.map((d, i) => engine.workflows.check(d, `definitions[${i}]`));
    return send(await engine.workflows.graph(request.tenant, pending), (request.query as { format?: ReportFormat }).format, reply);
  });
};
