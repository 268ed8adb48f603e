// Workflows: deploy a version (JSON or YAML), list, show with versions, enable, disable.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { formatReport, type GraphReport, type ReportFormat } from '../../graph/index.js';
import { parseDefinitionText } from '../../definitions/validate.js';
import type { Engine } from '../../engine.js';

const IdParams = Type.Object({ id: Type.String() });

export const workflowRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/workflows', { schema: { tags: ['workflows'], summary: 'List workflows' } }, async (request) => ({
    items: await engine.workflows.list(request.tenant),
  }));

  app.put('/workflows/:id', {
    schema: { tags: ['workflows'], summary: 'Deploy a definition (JSON or YAML); an unchanged one makes no new version', params: IdParams },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const value = typeof request.body === 'string' ? parseDefinitionText(request.body, 'request body') : request.body;
    const result = await engine.workflows.deploy(request.tenant, value, { expectedId: id });
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.get('/workflows/:id', { schema: { tags: ['workflows'], summary: 'A workflow with all its versions', params: IdParams } }, async (request) => {
    const { id } = request.params as { id: string };
    return engine.workflows.show(request.tenant, id);
  });

  app.post('/workflows/:id/enable', { schema: { tags: ['workflows'], params: IdParams } }, async (request) =>
    engine.workflows.setEnabled(request.tenant, (request.params as { id: string }).id, true));

  app.post('/workflows/:id/disable', { schema: { tags: ['workflows'], params: IdParams } }, async (request) =>
    engine.workflows.setEnabled(request.tenant, (request.params as { id: string }).id, false));
};

const FormatQuery = Type.Object({ format: Type.Optional(Type.Unsafe<ReportFormat>({ type: 'string', enum: ['json', 'text', 'mermaid', 'dot'] })) });

/** The dependency graph of the tenant's workflows, optionally with pending definitions in place. */
export const graphRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  const send = (report: GraphReport, format: ReportFormat | undefined, reply: FastifyReply): FastifyReply =>
    !format || format === 'json' ? reply.send(report) : reply.type('text/plain; charset=utf-8').send(formatReport(report, format));

  app.get('/graph', { schema: { tags: ['workflows'], summary: 'Dependency graph of the active workflows', querystring: FormatQuery } }, async (request, reply) =>
    send(await engine.workflows.graph(request.tenant), (request.query as { format?: ReportFormat }).format, reply));

  app.post('/graph', {
    schema: { tags: ['workflows'], summary: 'Dependency graph with these definitions deployed (nothing is deployed)', querystring: FormatQuery, body: Type.Object({ definitions: Type.Array(Type.Unknown(), { maxItems: 1000 }) }) },
  }, async (request, reply) => {
    const { definitions } = request.body as { definitions: unknown[] };
    const pending = definitions.map((d, i) => engine.workflows.check(d, `definitions[${i}]`));
    return send(await engine.workflows.graph(request.tenant, pending), (request.query as { format?: ReportFormat }).format, reply);
  });
};
