// Object types: the tenant's types (built-in and config, with API versions on top), one type with
// its API versions, and PUT to store a new version (checked like a workflow deploy).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ObjectTypeVersionRow } from '../../domain/object-type-versions.js';
import type { Engine } from '../../engine.js';
import { ObjectTypeDefinitionSchema } from '../../records/tenant-object-types.js';
import { checkShape } from '../../services/object-types-service.js';
import { IsoTime, Items } from '../api-schemas.js';
import { iso } from '../present.js';

const open = { additionalProperties: true } as const;
const TypeParams = Type.Object({ type: Type.String({ maxLength: 64 }) });
const Fields = Type.Record(Type.String(), Type.Object({}, open));
const ObjectTypeSchema = Type.Object({
  type: Type.String(),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'the current API version; null when only built-in or config define the type' }),
  fields: Fields,
  rules: Type.Array(Type.Object({}, open)),
}, open);
const VersionSchema = Type.Object({ version: Type.Integer(), definition: Type.Object({}, open), hash: Type.String(), createdBy: Type.String(), createdAt: IsoTime }, open);
const PutResultSchema = Type.Object({ type: Type.String(), version: Type.Integer(), created: Type.Boolean() }, open);

const presentVersion = (v: ObjectTypeVersionRow): Record<string, unknown> =>
  ({ version: v.version, definition: v.definition, hash: v.hash, createdBy: v.createdBy, createdAt: iso(v.createdAt) });

export const objectTypeRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.get('/objects', {
    config: { role: 'viewer' },
    schema: { tags: ['objects'], summary: 'The tenant\'s object types: built-in and config, with its API versions on top', response: { 200: Items(ObjectTypeSchema) } },
  }, async (request) => ({ items: await engine.objectTypes.list(request.tenant) }));

  app.get('/objects/:type', {
    config: { role: 'viewer' },
    schema: { tags: ['objects'], summary: 'An object type as the tenant sees it, with every API version', params: TypeParams, response: { 200: Type.Object({ ...ObjectTypeSchema.properties, versions: Type.Array(VersionSchema) }, open) } },
  }, async (request) => {
    const { versions, ...type } = await engine.objectTypes.show(request.tenant, (request.params as { type: string }).type);
    return { ...type, versions: versions.map(presentVersion) };
  });

  app.put('/objects/:type', {
    config: { role: 'admin' },
    // Our own check first: every problem at its path, and an unknown key refused, not dropped.
    preValidation: async (request) => {
      checkShape((request.params as { type: string }).type, request.body);
    },
    schema: {
      tags: ['objects'],
      summary: 'Store a new version of the tenant\'s definition of an object type (fields and rules, as config\'s objects.<type>); the same content makes no new version',
      description: 'Fields extend (or override) the built-in and configured ones; rules are added after theirs. Removing or retyping a field a deployed workflow uses is refused (409 OBJECT_TYPE_IN_USE). The next record write, in every process, uses the new version.',
      params: TypeParams, body: ObjectTypeDefinitionSchema, response: { 200: PutResultSchema, 201: PutResultSchema },
    },
  }, async (request, reply) => {
    const result = await engine.objectTypes.put(request.tenant, (request.params as { type: string }).type, request.body, request.token.name);
    return reply.status(result.created ? 201 : 200).send(result);
  });
};
