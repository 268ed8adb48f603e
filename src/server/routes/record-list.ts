// GET /v1/records/{type}: find records. Field filters and sort run in the store's SQL; `where` is
// CEL over a bounded scan (services/record-search.ts). The limits below are in the OpenAPI
// document too, so a client can read them there.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_SOURCE_LENGTH } from '../../conditions/budget.js';
import type { Engine } from '../../engine.js';
import { MAX_CURSOR_LENGTH } from '../../records/record-cursor.js';
import {
  DEFAULT_PAGE_SIZE, FILTER_OPS, MAX_FIELD_FILTERS, MAX_FILTER_VALUE_LENGTH, MAX_PAGE_SIZE, WHERE_MAX_SCAN, WHERE_STEP_BUDGET,
} from '../../records/record-query.js';
import { Items, RecordSchema } from '../api-schemas.js';
import { presentRecord } from '../present.js';

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `records per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})` })),
  after: Type.Optional(Type.String({ maxLength: MAX_CURSOR_LENGTH, description: 'the "next" of the previous page (an opaque cursor, valid for the same filters, sort and where)' })),
  sort: Type.Optional(Type.String({ description: 'a field, id, createdAt or updatedAt; "-" before it for descending (sort=-amount). Records without the field come last; the id breaks ties. Default: id' })),
  where: Type.Optional(Type.String({ maxLength: MAX_SOURCE_LENGTH, description: `CEL over \`record\` (record.amount > 50000.0 && record.owner_team == "Enterprise Sales"), evaluated over at most ${WHERE_MAX_SCAN} records per page` })),
  count: Type.Optional(Type.Boolean({ description: 'true: also answer "count", how many records match the field filters in all (not with where)' })),
}, {
  // Field filters: any field of the type; the service checks names and values against the type.
  additionalProperties: Type.Union([Type.String(), Type.Array(Type.String())]),
});

const DESCRIPTION = [
  'Field filters are query parameters: `stage=Proposal`, or with an operator `amount[gte]=50000`',
  `(operators: ${FILTER_OPS.map((o) => `[${o}]`).join(' ')}; [ne] also matches records without the field).`,
  'Each value is checked against the field\'s type (number, integer, true/false, ISO 8601 date-time, a picklist value);',
  'a bad value is a 400 naming the parameter, and a parameter that is neither a field nor one listed here is 400 UNKNOWN_PARAMETER.',
  'Date-times compare as text, so store them in UTC (…Z). Filters and sort run in the database, on a field index where',
  'config declares one (objects.<type>.indexes).',
  `Limits: at most ${MAX_PAGE_SIZE} records per page (default ${DEFAULT_PAGE_SIZE}), ${MAX_FIELD_FILTERS} field filters, ${MAX_FILTER_VALUE_LENGTH} characters per value,`,
  `where at most ${MAX_SOURCE_LENGTH} characters. where reads at most ${WHERE_MAX_SCAN} records (those the field filters match) and`,
  `${WHERE_STEP_BUDGET} evaluation steps per page: a page cut short by either has fewer items and still a "next".`,
  '"next" is null on the last page; pages follow a keyset, so records inserted meanwhile neither shift nor repeat a page.',
].join(' ');

export function recordListRoute(app: FastifyInstance, engine: Engine): void {
  app.get('/records/:type', {
    config: { role: 'viewer' },
    schema: {
      tags: ['records'], summary: 'Find records of a type: field filters, where (CEL), sort, cursor, count', description: DESCRIPTION,
      params: Type.Object({ type: Type.String() }),
      querystring: ListQuery,
      response: {
        200: Items(RecordSchema, {
          next: Type.Union([Type.String(), Type.Null()], { description: 'pass as after for the next page; null on the last' }),
          count: Type.Optional(Type.Integer({ description: 'with count=true: records matching the field filters in all' })),
          scanned: Type.Optional(Type.Integer({ description: `with where: records read for this page (at most ${WHERE_MAX_SCAN})` })),
        }),
      },
    },
  }, async (request) => {
    const { type } = request.params as { type: string };
    const page = await engine.records.find(request.tenant, type, request.query as Record<string, unknown>);
    return { ...page, items: page.items.map(presentRecord) };
  });
}
