// switchyard records get|list|create|update|history. Field values are given as `field=text` (a
// string) or `field:=json` (a number, boolean, null, list or object: `amount:=60000`).
import type { Command } from 'commander';
import type { Json } from '../../domain/types.js';
import { MAX_PAGE_SIZE } from '../../records/record-query.js';
import { CliError } from '../cli-error.js';
import type { ChangeView, RecordView } from '../client/types.js';
import { print, withClient, type GlobalOptions } from '../context.js';
import { time } from '../format.js';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(:?=)([\s\S]*)$/;

/** `name=Ada` -> { name: "Ada" }; `amount:=60000` -> { amount: 60000 }. Every bad one is named. */
export function parseAssignments(args: string[]): Record<string, Json> {
  const data: Record<string, Json> = {};
  for (const arg of args) {
    const m = ASSIGNMENT.exec(arg);
    if (!m) throw new CliError(`"${arg}": expected field=text or field:=json (for example name=Ada or amount:=60000)`);
    const [, field = '', op, value = ''] = m;
    if (op === '=') data[field] = value;
    else {
      try {
        data[field] = JSON.parse(value) as Json;
      } catch {
        throw new CliError(`"${arg}": the value after := must be JSON (a number, true, false, null, "text", [..] or {..})`);
      }
    }
  }
  return data;
}

/** Options of `records list`, not filters: a field of the same name is filtered with --where. */
const LIST_OPTIONS = ['limit', 'after', 'sort', 'where', 'count'];

/**
 * `stage=Proposal` or `amount[gte]=50000` filters for `records list`: passed to the API as query
 * parameters as they are; the server (or the same code here) checks each against the field's type.
 */
export function parseFilters(args: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const arg of args) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[a-z]+\])?=([\s\S]*)$/.exec(arg);
    if (!m) throw new CliError(`"${arg}": expected a filter field=value or field[op]=value (for example stage=Proposal or amount[gte]=50000)`);
    const [, name = '', op = '', value = ''] = m;
    if (LIST_OPTIONS.includes(name)) throw new CliError(`"${arg}": ${name} is an option of records list (--${name}); filter a field named ${name} with --where`);
    fields[`${name}${op}`] = value;
  }
  return fields;
}

const shown = (value: Json | undefined): string => (value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value));

function recordText(r: RecordView): string {
  const width = Math.max(0, ...Object.keys(r.data).map((k) => k.length));
  return [
    `${r.type}/${r.id}  v${r.version}  created ${time(r.createdAt)}  updated ${time(r.updatedAt)}`,
    ...Object.entries(r.data).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `  ${k.padEnd(width)}  ${shown(v)}`),
  ].join('\n');
}

function actorText(c: ChangeView): string {
  const a = c.actor;
  return a.kind === 'user' ? `user ${a.id}` : `workflow ${a.workflowId} v${a.version} step ${a.stepId} (execution ${a.executionId})`;
}

function changeText(c: ChangeView): string {
  const lines = [`v${c.versionAfter ?? c.versionBefore ?? '?'}  ${c.operation.padEnd(7)}  ${time(c.at)}  ${c.changedFields.join(', ') || '-'}  by ${actorText(c)}  (root change ${c.cause.rootChangeId}, depth ${c.cause.depth})`];
  if (c.operation === 'updated') {
    for (const f of c.changedFields) lines.push(`      ${f}: ${shown(c.before?.[f])} -> ${shown(c.after?.[f])}`);
  }
  return lines.join('\n');
}

interface ListOptions extends GlobalOptions { where?: string; sort?: string; count?: boolean; limit: string; after?: string }
interface WriteOptions extends GlobalOptions { id?: string; data?: string; ifMatch?: string }

function dataOf(assignments: string[], json: string | undefined): Record<string, Json> {
  let base: Record<string, Json> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new CliError(`--data: not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('--data: expected a JSON object of field values');
    base = parsed as Record<string, Json>;
  }
  return { ...base, ...parseAssignments(assignments) };
}

function version(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliError(`--if-match: expected the record version you read (a whole number), got "${value}"`);
  return Number(value);
}

/** Adds the `records` command group. `globals` reads the program's options (--url, --store, ...). */
export function registerRecordCommands(program: Command, globals: () => GlobalOptions): void {
  const records = program.command('records').description('read and write records (field=text, field:=json)');
  const opts = <T>(o: object): T => ({ ...globals(), ...o }) as T;

  records.command('get').description('a record with its version').argument('<type>').argument('<id>')
    .action((type: string, id: string, o: object) => withClient(opts(o), async (client) => {
      const r = await client.records.get(type, id);
      print(opts(o), r, () => recordText(r));
    }));

  records.command('list').description('records of a type: records list deal stage=Proposal \'amount[gte]=50000\' --sort -amount')
    .argument('<type>').argument('[filters...]', 'field=value or field[eq|ne|gt|gte|lt|lte]=value')
    .option('--where <cel>', 'a CEL condition over record, e.g. \'record.owner_team == "Enterprise Sales"\'')
    .option('--sort <field>', 'a field, id, createdAt or updatedAt; -field for descending')
    .option('--count', 'also say how many match in all')
    .option('--limit <n>', 'how many', '100').option('--after <cursor>', 'the next page: the cursor the previous page printed')
    .action((type: string, filters: string[], o: object) => withClient(opts<ListOptions>(o), async (client) => {
      const options = opts<ListOptions>(o);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new CliError(`--limit: expected a whole number from 1 to ${MAX_PAGE_SIZE}, got "${options.limit}"`);
      const page = await client.records.list(type, { where: options.where, fields: parseFilters(filters), sort: options.sort, count: options.count, limit, after: options.after });
      print(options, page, () => [
        ...(page.items.length === 0 ? [`no ${type} records`] : page.items.map((r) => `${r.id}  v${r.version}  ${Object.entries(r.data).map(([k, v]) => `${k}=${shown(v)}`).join('  ')}`)),
        ...(page.count !== undefined ? [`${page.count} match in all`] : []),
        ...(page.next ? [`more: --after ${page.next}`] : []),
      ].join('\n'));
    }));

  records.command('create').description('create a record: records create lead name=Ada territory=EMEA')
    .argument('<type>').argument('[fields...]', 'field=text or field:=json')
    .option('--id <id>', 'the record id (default: a new UUID)').option('--data <json>', 'field values as one JSON object')
    .action((type: string, fields: string[], o: object) => withClient(opts<WriteOptions>(o), async (client) => {
      const options = opts<WriteOptions>(o);
      const r = await client.records.create(type, dataOf(fields, options.data), options.id);
      print(options, r, () => `created ${recordText(r)}`);
    }));

  records.command('update').description('change some fields (field:=null clears one): records update deal d-1 stage=Negotiation')
    .argument('<type>').argument('<id>').argument('[fields...]', 'field=text or field:=json')
    .option('--data <json>', 'field values as one JSON object').option('--if-match <version>', 'only if the record is still at this version')
    .action((type: string, id: string, fields: string[], o: object) => withClient(opts<WriteOptions>(o), async (client) => {
      const options = opts<WriteOptions>(o);
      const data = dataOf(fields, options.data);
      if (Object.keys(data).length === 0) throw new CliError('nothing to change: give field=text or field:=json (or --data)');
      const r = await client.records.update(type, id, data, version(options.ifMatch));
      print(options, r, () => `updated ${recordText(r)}`);
    }));

  records.command('history').description('every change to a record, oldest first: who, what, why').argument('<type>').argument('<id>')
    .action((type: string, id: string, o: object) => withClient(opts(o), async (client) => {
      const changes = await client.records.history(type, id);
      print(opts(o), changes, () => changes.length === 0 ? `no changes to ${type}/${id}` : changes.map(changeText).join('\n'));
    }));
}
