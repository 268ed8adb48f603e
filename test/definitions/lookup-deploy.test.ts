// A lookup condition is checked at deploy like a step: its connector against the tenant's (an
// `http` one), its request as http.request's, and its `when` as CEL over `result`. Each problem
// names the file and the path inside it; nothing is deployed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../helpers/api.js';
import { cli as runCli, type CliResult } from '../helpers/cli.js';

const cli = (...args: string[]): Promise<CliResult> => runCli(args, { SWITCHYARD_CONFIG: '' });

const CONNECTORS = [
  { name: 'scoring', type: 'http', settings: { baseUrl: 'https://scores.example.com' } },
  { name: 'backup-smtp', type: 'smtp', settings: { host: 'smtp.example.com', from: 'desk@example.com' } },
];

const workflowYaml = (lookup: string): string => [
  'id: score-gate', 'name: Score gate', 'object: deal', 'trigger: { on: created }',
  'conditions:',
  '  - record.amount > 50000',
  `  - ${lookup}`,
  'actions:',
  // A step reads the answer: never an "unknown variable" problem, even when the lookup itself is wrong.
  '  - { id: flag, type: record.update, set: { priority: \'"high"\', owner_team: lookups.customer_score.tier } }',
].join('\n');

describe('switchyard validate: lookup conditions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-lookups-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `connectors: { acme: ${JSON.stringify(CONNECTORS)} }\n`);
  const file = (name: string, lookup: string): string => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, workflowYaml(lookup));
    return path;
  };

  it('exits 1 naming the file and path of each problem; a good lookup is ok', async () => {
    const good = file('good', `{ lookup: customer_score, connector: scoring, request: { path: '"/scores/" + record.account_id' }, when: 'result.score > 8' }`);
    const unconfigured = file('unconfigured', `{ lookup: customer_score, connector: scorring, request: { path: '"/x"' }, when: 'result.score > 8' }`);
    const wrongType = file('wrong-type', `{ lookup: customer_score, connector: backup-smtp, request: { path: '"/x"' }, when: 'result.score > 8' }`);
    const badWhen = file('bad-when', `{ lookup: customer_score, connector: scoring, request: { path: '"/x"' }, when: 'result.score >' }`);
    const notBool = file('not-bool', `{ lookup: customer_score, connector: scoring, request: { path: '"/x"' }, when: 'record.amount' }`);
    const badRequest = file('bad-request', `{ lookup: customer_score, connector: scoring, request: { path: 'record.amout', verb: GET }, when: 'result.score > 8' }`);
    const result = await cli('validate', '--config', config, '--tenant', 'acme', good, unconfigured, wrongType, badWhen, notBool, badRequest);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`ok      ${good}`);
    expect(lines).toContain(`invalid ${unconfigured}: /conditions/1/connector: connector "scorring" is not configured for tenant acme (configured: scoring, backup-smtp)`);
    expect(lines).toContain(`invalid ${wrongType}: /conditions/1/connector: connector "backup-smtp" is smtp; http.request needs http`);
    expect(lines.some((l) => l.startsWith(`invalid ${badWhen}: /conditions/1/when: invalid CEL:`))).toBe(true);
    expect(lines).toContain(`invalid ${notBool}: /conditions/1/when: a condition must be a bool expression, this one returns double`);
    expect(lines).toContain(`invalid ${badRequest}: /conditions/1/request/verb: Unexpected property`);
  }, 60_000);
});

describe('deploy over the API: lookup conditions', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi({ tokens: [{ tenant: 'acme', token: 'acme-token-0123456789' }], connectors: { acme: CONNECTORS } });
  });
  afterAll(async () => api.close());

  it('a lookup on an unconfigured connector is 400 WORKFLOW_INVALID naming the path; nothing is deployed', async () => {
    const res = await api.app.inject({
      method: 'PUT', url: '/v1/workflows/score-gate', headers: { authorization: 'Bearer acme-token-0123456789', 'content-type': 'application/yaml' },
      payload: workflowYaml(`{ lookup: customer_score, connector: nope, request: { path: '"/x"' }, when: 'result.score > 8' }`),
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ code: string; errors: { path: string; message: string }[] }>();
    expect(body.code).toBe('WORKFLOW_INVALID');
    expect(body.errors).toEqual([{ path: '/conditions/1/connector', message: 'connector "nope" is not configured for tenant acme (configured: scoring, backup-smtp)' }]);
    const list = await api.app.inject({ method: 'GET', url: '/v1/workflows', headers: { authorization: 'Bearer acme-token-0123456789' } });
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  });
});
