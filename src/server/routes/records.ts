// Records: CRUD with versions (ETag / If-Match) and the change history (the audit trail).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Engine } from '../../engine.js';
import { SwitchyardError, validationError } from '../../errors.js';
import type { Json, RecordRow } from '../../domain/types.js';
import { ChangeSchema, Items, RecordSchema } from '../api-schemas.js';
import { actorOf } from '../auth.js';
import { presentChange, presentRecord } from '../present.js';
import { recordListRoute } from './record-list.js';

const TypeParams = Type.Object({ type: Type.String() });
const RecordParams = Type.Object({ type: Type.String(), id: Type.String() });
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export { presentRecord };

function withEtag(reply: FastifyReply, r: RecordRow): Record<string, unknown> {
  void reply.header('etag', `"${r.version}"`);
  return presentRecord(r);
}

/** If-Match: "3", W/"3" or 3 -> 3. */
function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m) throw validationError([{ path: 'header/if-match', message: 'expected the record version as an ETag, e.g. "3"' }]);
  return Number(m[1]);
}

function objectBody(body: unknown): Record<string, Json> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SwitchyardError('MALFORMED_BODY', 'the body must be a JSON object of field values', { problems: [{ path: '', message: 'expected a JSON object' }] });
  }
  return body as Record<string, Json>;
}

export const recordRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  recordListRoute(app, engine);

  app.post('/records/:type', {
    config: { role: 'editor' },
    schema: { tags: ['records'], summary: 'Create a record (body: field values, optional "id")', params: TypeParams },
  }, async (request, reply) => {
    const { type } = request.params as { type: string };
    const { id, ...data } = objectBody(request.body);
    if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) throw validationError([{ path: '/id', message: 'must be 1-128 letters, digits, "_", ".", ":" or "-"' }]);
    const { record } = await engine.records.create(request.tenant, type, data, actorOf(request), id);
    return reply.status(201).header('location', `/v1/records/${type}/${record?.id}`).send(withEtag(reply, record as RecordRow));
  });

  app.get('/records/:type/:id', { config: { role: 'viewer' }, schema: { tags: ['records'], summary: 'Read a record (ETag is its version)', params: RecordParams, response: { 200: RecordSchema } } }, async (request, reply) => {
    const { type, id } = request.params as { type: string; id: string };
    return withEtag(reply, await engine.records.get(request.tenant, type, id));
  });

  app.patch('/records/:type/:id', {
    config: { role: 'editor' },
    schema: { tags: ['records'], summary: 'Change some fields (null clears one); If-Match optional', params: RecordParams },
  }, async (request, reply) => {
    const { type, id } = request.params as { type: string; id: string };
    const expectedVersion = ifMatch(request.headers['if-match']);
    const { record } = await engine.records.write({ op: 'patch', tenant: request.tenant, type, id, data: objectBody(request.body), expectedVersion, actor: actorOf(request) });
    return withEtag(reply, record as RecordRow);
  });

  app.put('/records/:type/:id', {
    config: { role: 'editor' },
    schema: { tags: ['records'], summary: 'Replace all fields; If-Match required', params: RecordParams },
  }, async (request, reply) => {
    const { type, id } = request.params as { type: string; id: string };
    const expectedVersion = ifMatch(request.headers['if-match']);
    if (expectedVersion === undefined) throw new SwitchyardError('PRECONDITION_REQUIRED', 'a full replace must name the version it read in If-Match');
    const { record } = await engine.records.write({ op: 'replace', tenant: request.tenant, type, id, data: objectBody(request.body), expectedVersion, actor: actorOf(request) });
    return withEtag(reply, record as RecordRow);
  });

  app.delete('/records/:type/:id', { config: { role: 'editor' }, schema: { tags: ['records'], summary: 'Delete a record; If-Match optional', params: RecordParams } }, async (request, reply) => {
    const { type, id } = request.params as { type: string; id: string };
    await engine.records.write({ op: 'delete', tenant: request.tenant, type, id, expectedVersion: ifMatch(request.headers['if-match']), actor: actorOf(request) });
    return reply.status(204).send();
  });

  app.get('/records/:type/:id/history', { config: { role: 'viewer' }, schema: { tags: ['records'], summary: 'Every change to the record, oldest first', params: RecordParams, response: { 200: Items(ChangeSchema) } } }, async (request) => {
    const { type, id } = request.params as { type: string; id: string };
    const changes = await engine.records.history(request.tenant, type, id);
    return { items: changes.map(presentChange) };
  });
};
