// POST /v1/deployments: deploy a set of workflow definitions checked together (shape, CEL,
// connectors, cycles among them and the deployed ones); any problem refuses the whole set and
// nothing is deployed. `switchyard deploy --url` sends its files here, so a remote deploy refuses
// exactly what a local one does. Problems name the `file` each definition was sent with.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';

const DeploymentBody = Type.Object({
  definitions: Type.Array(Type.Object({
    file: Type.Optional(Type.String({ maxLength: 1024 })),
    definition: Type.Unknown(),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

export const deploymentRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.post('/deployments', {
    config: { role: 'admin' },
    schema: { tags: ['workflows'], summary: 'Deploy a set of definitions, checked together; any problem refuses all of them', body: DeploymentBody },
  }, async (request, reply) => {
    const { definitions } = request.body as { definitions: { file?: string; definition: unknown }[] };
    const items = await engine.workflows.deployMany(request.tenant, definitions.map((d, i) => ({ value: d.definition, file: d.file ?? `definitions[${i}]` })));
    return reply.status(items.some((r) => r.created) ? 201 : 200).send({ items });
  });
};
