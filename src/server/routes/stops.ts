// Stop, pause, cancel (issue 12): pause and resume a workflow, the tenant-wide emergency stop, bulk
// cancel by filter, and the holds in force. Every request names its actor (the token's name): it is
// stored with each execution it held or cancelled (services/stops-service.ts).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine.js';
import { MAX_STOP_REASON } from '../../services/stops-service.js';
import type { HoldRow } from '../../store/stops.js';
import { validationError } from '../../errors.js';
import { IsoTime, Items } from '../api-schemas.js';
import { iso } from '../present.js';

const Reason = Type.String({ maxLength: MAX_STOP_REASON, description: 'why: kept with every execution it stops' });
const ReasonObject = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const ReasonBody = Type.Union([ReasonObject, Type.Null()]);
const IdParams = Type.Object({ id: Type.String() });
const open = { additionalProperties: true } as const;

const HoldSchema = Type.Object({
  workflowId: Type.String({ description: 'a workflow id, or "*": the whole tenant (emergency stop)' }),
  actor: Type.String(), reason: Type.String(), at: IsoTime,
}, open);
const HoldOutcomeSchema = Type.Object({
  hold: HoldSchema,
  held: Type.Integer({ description: 'queued and waiting executions now paused' }),
  stopping: Type.Integer({ description: 'running executions that pause after their current step' }),
}, open);
const ResumeSchema = Type.Object({ released: Type.Boolean(), resumed: Type.Integer() }, open);
const CancelStatus = Type.Union([Type.Literal('queued'), Type.Literal('paused'), Type.Literal('running')]);
export const CancelBody = Type.Object({
  workflow: Type.Optional(Type.String({ minLength: 1 })),
  record_type: Type.Optional(Type.String({ minLength: 1 })),
  record_id: Type.Optional(Type.String({ minLength: 1 })),
  root_change: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(Type.Union([CancelStatus, Type.Array(CancelStatus, { minItems: 1, maxItems: 3 })], { description: 'default: queued, paused and running' })),
  reason: Type.Optional(Reason),
}, { additionalProperties: false });
const CancelSchema = Type.Object({
  cancelled: Type.Integer({ description: 'queued and paused executions cancelled now' }),
  stopping: Type.Integer({ description: 'running executions cancelled after their current step' }),
}, open);

const presentHold = (h: HoldRow): Record<string, unknown> => ({ workflowId: h.workflowId, actor: h.actor, reason: h.reason, at: iso(h.at) });
/**
 * The server's validator drops properties a schema does not list; for a cancel that would turn a
 * mistyped filter into a wider cancel. So an unknown property is refused, naming it, before that.
 */
const onlyKnown = (schema: { properties: Record<string, unknown> }) => async (request: { body: unknown }): Promise<void> => {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const unknown = Object.keys(body).filter((k) => !Object.hasOwn(schema.properties, k));
  if (unknown.length > 0) {
    throw validationError(unknown.map((k) => ({ path: `/body/${k}`, message: `is not a property this route takes (it takes ${Object.keys(schema.properties).join(', ')})` })));
  }
};

const reasonOf = (body: unknown): string | undefined => (body as { reason?: string } | null | undefined)?.reason;

export const stopRoutes = (engine: Engine): FastifyPluginAsync => async (app) => {
  app.post('/workflows/:id/pause', {
    config: { role: 'admin' },
    preValidation: onlyKnown(ReasonObject),
    schema: { tags: ['workflows'], summary: 'Pause a workflow: its queued and waiting executions (and new ones) are held until resumed', params: IdParams, body: ReasonBody, response: { 200: HoldOutcomeSchema } },
  }, async (request) => {
    const result = await engine.stops.pauseWorkflow(request.tenant, (request.params as { id: string }).id, request.token.name, reasonOf(request.body));
    return { ...result, hold: presentHold(result.hold) };
  });

  app.post('/workflows/:id/resume', {
    config: { role: 'admin' },
    schema: { tags: ['workflows'], summary: 'Resume a paused workflow: what it held is queued again', params: IdParams, response: { 200: ResumeSchema } },
  }, async (request) => engine.stops.resumeWorkflow(request.tenant, (request.params as { id: string }).id));

  app.post('/stop', {
    config: { role: 'admin' },
    preValidation: onlyKnown(ReasonObject),
    schema: { tags: ['operations'], summary: 'Emergency stop: hold every workflow of the tenant (queued, waiting and new executions) until resumed', body: ReasonBody, response: { 200: HoldOutcomeSchema } },
  }, async (request) => {
    const result = await engine.stops.stopTenant(request.tenant, request.token.name, reasonOf(request.body));
    return { ...result, hold: presentHold(result.hold) };
  });

  app.post('/resume', {
    config: { role: 'admin' },
    schema: { tags: ['operations'], summary: 'End the emergency stop (workflows paused one by one stay paused)', response: { 200: ResumeSchema } },
  }, async (request) => engine.stops.resumeTenant(request.tenant));

  app.get('/holds', {
    config: { role: 'viewer' },
    schema: { tags: ['operations'], summary: 'Holds in force: paused workflows and the emergency stop ("*")', response: { 200: Items(HoldSchema) } },
  }, async (request) => ({ items: (await engine.stops.holds(request.tenant)).map(presentHold) }));

  app.post('/executions/cancel', {
    config: { role: 'editor' },
    preValidation: onlyKnown(CancelBody),
    schema: { tags: ['executions'], summary: 'Cancel every execution that matches (at least one filter): queued and paused now, running after its current step', body: CancelBody, response: { 200: CancelSchema } },
  }, async (request) => {
    const b = request.body as { workflow?: string; record_type?: string; record_id?: string; root_change?: string; status?: string | string[]; reason?: string };
    return engine.stops.cancel(request.tenant, { workflow: b.workflow, recordType: b.record_type, recordId: b.record_id, rootChange: b.root_change, status: b.status }, request.token.name, b.reason);
  });
};
