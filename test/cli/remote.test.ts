// The CLI as a client of a running server (--url/--token, or SWITCHYARD_URL/SWITCHYARD_TOKEN): a
// real server on a loopback port, the CLI as a child process. The README's five-minute tour is
// done here with the CLI alone; a wrong token, a server that is not there, and flags that
// contradict each other are each a message and a non-zero exit; the token is never printed.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { closeEngine, sqliteEngine, type TestEngine } from '../helpers/engine.js';

const TOKEN = 'tour-token-7c1f0e9a52d84b36';
// Each CLI run is a fresh Node process compiling the sources (seconds each on a busy machine).
const TIMEOUT = 600_000;

interface Server { engine: TestEngine; app: FastifyInstance; url: string }

/** An engine with no background worker (the test drains it) behind a server on 127.0.0.1:<free port>. */
async function startServer(): Promise<Server> {
  const engine = await sqliteEngine({ tokens: [{ tenant: 'default', token: TOKEN }] });
  const app = await buildServer(engine);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { engine, app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('switchyard CLI against a running server', () => {
  let server: Server;
  const outputs: CliResult[] = [];
  /** The CLI with the server and token in the environment, as the README suggests. */
  const remote = async (...args: string[]): Promise<CliResult> => {
    const result = await cli(args, { SWITCHYARD_URL: server.url, SWITCHYARD_TOKEN: TOKEN });
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.app.close();
    await closeEngine(server.engine);
  });

  it('the README tour, done entirely with the CLI', async () => {
    const deployed = await remote('deploy', 'examples');
    expect(deployed.stdout).toBe('deployed assign-new-lead v1 (examples/assign-new-lead.yaml)\ndeployed flag-big-deals v1 (examples/flag-big-deals.yaml)\n');

    // The answer comes back at once, before any workflow runs: no owner yet.
    const created = await remote('records', 'create', 'lead', '--id', 'lead-1', 'name=Ada Lovelace', 'email=ada@example.com', 'territory=EMEA');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created lead\/lead-1 {2}v1 {2}created \S+ {2}updated \S+\n {2}email {6}ada@example.com\n {2}name {7}Ada Lovelace\n {2}territory {2}EMEA\n$/);
    await server.engine.worker.drain();

    // assign-new-lead has given it an owner; the history says who changed what, and why.
    const [read, historyRun, list] = await Promise.all([
      remote('records', 'get', 'lead', 'lead-1'), remote('records', 'history', 'lead', 'lead-1'), remote('executions', 'list'),
    ]);
    expect(read.stdout).toContain('lead/lead-1  v2');
    expect(read.stdout).toMatch(/\n {2}owner {8}rep-emea\n/);

    const history = historyRun.stdout.split('\n');
    expect(history[0]).toMatch(/^v1 {2}created {2}\d{4}-\d\d-\d\dT\S+ {2}email, name, territory {2}by user api:default {2}\(root change [0-9a-f-]{36}, depth 0\)$/);
    expect(history[1]).toMatch(/^v2 {2}updated {2}\S+ {2}assigned_at, owner {2}by workflow assign-new-lead v1 step assign-owner \(execution [0-9a-f-]{36}\) {2}\(root change [0-9a-f-]{36}, depth 1\)$/);
    expect(history).toContain('      owner: (unset) -> rep-emea');

    const line = list.stdout.split('\n').find((l) => l.includes('assign-new-lead@v1'));
    expect(line).toMatch(/^[0-9a-f-]{36} {2}succeeded assign-new-lead@v1 {2}lead\/lead-1 {2}depth 0 {2}\d{4}-/);
    const shown = await remote('executions', 'show', line!.slice(0, 36));
    expect(shown.stdout).toContain(`execution ${line!.slice(0, 36)}: succeeded`);
    expect(shown.stdout).toMatch(/step assign-owner +succeeded/);

    // Mistakes are caught before deploy (validate reads files; SWITCHYARD_URL does not disturb it).
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-remote-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'id: broken\nname: Broken\nobject: deal\ntrigger: { on: field_changed, field: stage, to: 5 }\nconditions: ["record.amout > 1.0"]\nactions: [{ id: x, type: record.update, set: { priority: "1" } }]\n');
    const [validated, refusedBroken, graph] = await Promise.all([
      remote('validate', 'examples', broken), remote('deploy', broken), remote('graph', 'test/fixtures/article-loop'),
    ]);
    expect(validated.code).toBe(1);
    expect(validated.stdout).toContain(`invalid ${broken}: /trigger/to: stage is a string field; 5 can never match`);

    // ... and so is a deploy of the broken file through the server: every problem, with its file.
    expect(refusedBroken.code).toBe(1);
    expect(refusedBroken.stderr).toContain(`error WORKFLOW_INVALID: ${broken}: /trigger/to: stage is a string field; 5 can never match`);
    expect(refusedBroken.stderr).toContain(`  ${broken}: /conditions/0: invalid CEL: No such key: amout`);

    // Loops: the graph of the files, and the server refuses the set as a whole.
    expect(graph.stdout).toContain('send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome  [UNGUARDED: deploy refuses this]');
    const refused = await remote('deploy', 'test/fixtures/article-loop');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error WORKFLOW_CYCLE: unguarded workflow cycle: send-welcome -> update-score -> reevaluate-territory -> reassign -> send-welcome');
    expect(refused.stderr).toContain('(Deploying would create an unguarded workflow cycle; HTTP 409)');
    const after = JSON.parse((await remote('workflows', 'list', '--json')).stdout) as { workflowId: string }[];
    expect(after.map((w) => w.workflowId).sort()).toEqual(['assign-new-lead', 'flag-big-deals']);
    const fixed = await remote('deploy', 'test/fixtures/article-loop-fixed', '--json');
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as { created: boolean }[]).filter((r) => r.created)).toHaveLength(5);

    for (const r of outputs) expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  }, TIMEOUT);

  it('workflows list|show|disable|enable and records list|update through the server', async () => {
    await remote('deploy', 'examples');
    const disabled = await remote('workflows', 'disable', 'assign-new-lead');
    expect(disabled.stdout).toBe('disabled assign-new-lead\n');
    const [list, show] = await Promise.all([remote('workflows', 'list'), remote('workflows', 'show', 'assign-new-lead')]);
    expect(list.stdout).toMatch(/^assign-new-lead +disabled +active v1 of 1 +updated \d{4}-/m);
    expect(show.stdout).toMatch(/\n {2}v1 \(active\) {2}\S+ {2}lead {2}\{"on":"created"\} {2}Assign new leads/);

    // Disabled: a new lead gets no execution of it.
    await remote('records', 'create', 'lead', '--id', 'lead-off', 'name=Grace', 'territory=US');
    await server.engine.worker.drain();
    expect((await remote('executions', 'list', '--record', 'lead/lead-off', '--workflow', 'assign-new-lead')).stdout).toBe('no executions\n');
    expect((await remote('workflows', 'enable', 'assign-new-lead')).stdout).toBe('enabled assign-new-lead\n');

    // field:=json values are typed; a stale --if-match is the server's 412, named.
    const deal = await remote('records', 'create', 'deal', '--id', 'deal-1', 'name=Acme', 'stage=Proposal', 'amount:=60000');
    expect(deal.stdout).toMatch(/\n {2}amount {2}60000\n/);
    const stale = await remote('records', 'update', 'deal', 'deal-1', 'stage=Negotiation', '--if-match', '7');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error VERSION_CONFLICT: .+\n {2}\(The record changed since it was read; HTTP 412\)\n$/);
    const updated = await remote('records', 'update', 'deal', 'deal-1', 'stage=Negotiation', '--if-match', '1');
    expect(updated.stdout).toContain('updated deal/deal-1  v2');
    await remote('records', 'create', 'deal', '--id', 'deal-3', 'name=Initech', 'stage=Negotiation', 'amount:=8000');

    // Filters go to the server as query parameters; it checks them (an unknown one is its 400).
    const [page, counted, unknown] = await Promise.all([
      remote('records', 'list', 'deal', 'stage=Negotiation', 'amount[gte]=50000', '--json'),
      remote('records', 'list', 'deal', 'stage=Negotiation', '--sort', '-amount', '--count'),
      remote('records', 'list', 'deal', 'stag=Proposal'),
    ]);
    expect((JSON.parse(page.stdout) as { items: { id: string }[] }).items.map((r) => r.id)).toEqual(['deal-1']);
    expect(counted.stdout).toMatch(/^deal-1 {2}v2 .*\ndeal-3 {2}v1 .*\n2 match in all\n$/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error UNKNOWN_PARAMETER: unknown query parameter "stag"/);

    // A value the server refuses is its problem, named, and nothing is written.
    const bad = await remote('records', 'create', 'deal', '--id', 'deal-2', 'amount=lots');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error VALIDATION_FAILED: \/amount: /);
    expect((await remote('records', 'get', 'deal', 'deal-2')).stderr).toContain('error RECORD_NOT_FOUND: deal deal-2 does not exist');
  }, TIMEOUT);

  it('the same command gives the same answer from the server and from the store opened here', async () => {
    const local = await cli(['workflows', 'list', '--json', '--store', server.engine.path]);
    const viaServer = await remote('workflows', 'list', '--json');
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout)).toEqual(JSON.parse(viaServer.stdout));
  }, TIMEOUT);

  it('a wrong token is refused with the server\'s message, and no token is printed', async () => {
    const wrong = 'not-the-token-3e9b';
    const result = await cli(['workflows', 'list'], { SWITCHYARD_URL: server.url, SWITCHYARD_TOKEN: wrong });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error UNAUTHORIZED: send Authorization: Bearer <token> with a valid API token\n  (A valid API token is required; HTTP 401)\n');
    const flag = await cli(['records', 'get', 'lead', 'lead-1', '--url', server.url, '--token', wrong]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('error UNAUTHORIZED');
    for (const r of [result, flag]) expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
  }, TIMEOUT);

  it('a server that is not there is one clear sentence and exit 2', async () => {
    const gone = await startServer();
    const { url } = gone;
    await gone.app.close();
    await closeEngine(gone.engine);
    const result = await cli(['executions', 'list', '--url', url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: cannot reach the Switchyard server at ${url}: connection refused (is \`switchyard serve\` running there?)\n`);
  }, TIMEOUT);
});

describe('switchyard CLI: choosing the target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-target-'));

  it('a --store that does not exist is an error naming it, and is not created', async () => {
    const missing = join(dir, 'typo.db');
    const results = await Promise.all([['records', 'get', 'lead', 'x'], ['worker']].map((args) => cli([...args, '--store', missing])));
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error: no store at ${missing}: check --store (or SWITCHYARD_STORE)`);
    }
    expect(existsSync(missing)).toBe(false);
  }, TIMEOUT);

  it('migrate says it created a new store; then the client commands work on it locally', async () => {
    const store = join(dir, 'new.db');
    const migrated = await cli(['migrate', '--store', store]);
    expect(migrated.stdout).toBe(`created a new store at ${store}\nmigrations applied (sqlite)\n`);
    // The second time there is nothing to create (and SWITCHYARD_URL does not concern migrate).
    expect((await cli(['migrate', '--store', store], { SWITCHYARD_URL: 'http://127.0.0.1:1' })).stdout).toBe('migrations applied (sqlite)\n');
    const created = await cli(['records', 'create', 'lead', '--id', 'l-1', 'name=Ada', '--store', store]);
    expect(created.stdout).toContain('created lead/l-1  v1');
    const history = JSON.parse((await cli(['records', 'history', 'lead', 'l-1', '--json', '--store', store])).stdout) as { actor: { id: string } }[];
    expect(history[0]?.actor.id).toMatch(/^cli:/);
    // The same filters as through a server, answered by the same code here.
    const found = await cli(['records', 'list', 'lead', 'name=Ada', '--count', '--store', store]);
    expect(found.stdout).toBe('l-1  v1  name=Ada\n1 match in all\n');
  }, TIMEOUT);

  it('contradictory or malformed target flags are refused', async () => {
    const cases: [string[], string][] = [
      [['serve', '--url', 'http://127.0.0.1:1'], 'error: serve runs the engine on a store (--store); --url and --token are for the commands that talk to a server'],
      [['workflows', 'list', '--url', 'http://127.0.0.1:1', '--store', join(dir, 'x.db')], 'error: give --store (a store opened here) or --url (a running server), not both'],
      [['workflows', 'list', '--token', 'abc-secret'], 'error: --token needs --url (or SWITCHYARD_URL): the server to send it to'],
      [['workflows', 'list', '--url', 'http://me:abc-secret@127.0.0.1:1'], 'error: --url: put no credentials in the URL; pass the token with --token or SWITCHYARD_TOKEN'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]![0].join(' ')).toBe(1);
      expect(result.stderr).toBe(`${cases[i]![1]}\n`);
      expect(result.stderr).not.toContain('abc-secret');
    });
  }, TIMEOUT);
});
