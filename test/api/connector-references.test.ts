// Deploy checks every connector a workflow names against the deploying tenant's: a typo or a
// connector of the wrong type is a 400 naming the path at deploy, not a dead letter per execution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type RawConfig } from '../../src/config.js';
import { isSwitchyardError } from '../../src/errors.js';
import { testApi, type TestApi } from '../helpers/api.js';

const ACME = 'acme-token-0123456789';
const OTHER = 'other-token-0123456789';
const SLACK = { name: 'sales-slack', type: 'slack', secrets: { webhookUrl: { env: 'TEST_SLACK_WEBHOOK' } } };
const SMTP = { name: 'backup-smtp', type: 'smtp', settings: { host: 'smtp.example.com', from: 'desk@example.com' } };
const CONFIG: RawConfig = {
  tokens: [{ tenant: 'acme', token: ACME }, { tenant: 'other', token: OTHER }],
  connectors: { acme: [SLACK, SMTP], other: [{ ...SLACK, name: 'other-slack' }] },
};

const workflow = (post: Record<string, unknown>, fallback: Record<string, unknown>[] = []) => ({
  id: 'tell-desk', name: 'Tell the desk', object: 'deal', trigger: { on: 'created' },
  actions: [
    { id: 'flag', type: 'record.update', set: { priority: '"high"' } },
    { id: 'post', type: 'slack.post', text: '"new deal " + record.name', ...post, ...(fallback.length > 0 ? { fallback } : {}) },
  ],
});
const EMAIL = { type: 'email.send', to: '"desk@example.com"', subject: '"deal"', text: 'record.name' };

describe('deploy checks the connectors a workflow names', () => {
  let api: TestApi;
  beforeAll(async () => {
    process.env.TEST_SLACK_WEBHOOK = 'https://hooks.example.com/T0/B0/secret';
    api = await testApi(CONFIG);
  });
  afterAll(async () => api.close());

  const deploy = (body: unknown, token = ACME) => api.app.inject({ method: 'PUT', url: '/v1/workflows/tell-desk', headers: { authorization: `Bearer ${token}` }, payload: body as object });
  const problems = (res: { json(): unknown }) => (res.json() as { code: string; errors: { path: string; message: string }[] });
  const deployed = async (token = ACME) => (await api.app.inject({ method: 'GET', url: '/v1/workflows', headers: { authorization: `Bearer ${token}` } })).json<{ items: unknown[] }>().items;

  it('a typo\'d connector is 400 WORKFLOW_INVALID naming the path and the configured ones; nothing is deployed', async () => {
    const res = await deploy(workflow({ connector: 'sales-slakc' }));
    expect(res.statusCode).toBe(400);
    const body = problems(res);
    expect(body.code).toBe('WORKFLOW_INVALID');
    expect(body.errors).toContainEqual({ path: '/actions/1/connector', message: 'connector "sales-slakc" is not configured for tenant acme (configured: sales-slack, backup-smtp)' });
    expect(await deployed()).toEqual([]);
  });

  it('a connector of the wrong type is 400 naming both types', async () => {
    const res = await deploy(workflow({ connector: 'backup-smtp' }));
    expect(res.statusCode).toBe(400);
    expect(problems(res).errors).toContainEqual({ path: '/actions/1/connector', message: 'connector "backup-smtp" is smtp; slack.post needs slack' });
    expect(await deployed()).toEqual([]);
  });

  it('fallbacks are checked too, each at its own path', async () => {
    const res = await deploy(workflow({ connector: 'sales-slack' }, [{ ...EMAIL, connector: 'sales-slack' }, { ...EMAIL, connector: 'nope' }]));
    expect(res.statusCode).toBe(400);
    const paths = problems(res).errors.map((e) => [e.path, e.message]);
    expect(paths).toEqual([
      ['/actions/1/fallback/0/connector', 'connector "sales-slack" is slack; email.send needs smtp'],
      ['/actions/1/fallback/1/connector', 'connector "nope" is not configured for tenant acme (configured: sales-slack, backup-smtp)'],
    ]);
    expect(await deployed()).toEqual([]);
  });

  it('connectors are the deploying tenant\'s: another tenant\'s name does not count', async () => {
    const res = await deploy(workflow({ connector: 'sales-slack' }), OTHER);
    expect(res.statusCode).toBe(400);
    expect(problems(res).errors).toContainEqual({ path: '/actions/1/connector', message: 'connector "sales-slack" is not configured for tenant other (configured: other-slack)' });
    expect(await deployed(OTHER)).toEqual([]);
  });

  it('a prototype member name is an unknown connector, not a crash', async () => {
    const res = await deploy(workflow({ connector: 'constructor' }));
    expect(res.statusCode).toBe(400);
    expect(problems(res).errors.map((e) => e.path)).toEqual(['/actions/1/connector']);
  });

  it('a valid workflow with a fallback still deploys', async () => {
    const res = await deploy(workflow({ connector: 'sales-slack' }, [{ ...EMAIL, connector: 'backup-smtp' }]));
    expect(res.statusCode).toBe(201);
    expect(await deployed()).toHaveLength(1);
  });
});

describe('alerts.connector is checked at startup', () => {
  const env = { TEST_SLACK_WEBHOOK: 'https://hooks.example.com/T0/B0/secret' };
  const problemsOf = (raw: RawConfig): unknown => {
    try {
      resolveConfig(raw, env, 'switchyard.yaml');
    } catch (error) {
      if (isSwitchyardError(error)) return { code: error.code, problems: error.problems };
      throw error;
    }
    return undefined;
  };

  it('a connector that does not exist is CONFIG_INVALID at /alerts/connector', () => {
    expect(problemsOf({ connectors: { default: [SLACK, SMTP] }, alerts: { connector: 'sales-slakc' } })).toEqual({
      code: 'CONFIG_INVALID',
      problems: [{ file: 'switchyard.yaml', path: '/alerts/connector', message: 'connector "sales-slakc" is not configured for tenant default (configured: sales-slack, backup-smtp)' }],
    });
    expect(problemsOf({ alerts: { connector: 'sales-slack' } })).toMatchObject({ code: 'CONFIG_INVALID', problems: [{ path: '/alerts/connector' }] });
  });

  it('an smtp connector cannot carry alerts', () => {
    expect(problemsOf({ connectors: { default: [SLACK, SMTP] }, alerts: { connector: 'backup-smtp' } })).toEqual({
      code: 'CONFIG_INVALID',
      problems: [{ file: 'switchyard.yaml', path: '/alerts/connector', message: 'connector "backup-smtp" of tenant default is smtp; alerts need slack, teams, http' }],
    });
  });

  it('a slack, teams or http connector of every tenant is accepted', () => {
    const ok: RawConfig = { connectors: { default: [SLACK], acme: [{ name: 'sales-slack', type: 'http', settings: { baseUrl: 'https://ops.example.com' } }] }, alerts: { connector: 'sales-slack' } };
    expect(problemsOf(ok)).toBeUndefined();
    expect(resolveConfig(ok, env).alertConnector('acme')?.type).toBe('http');
  });

  it('the engine does not start on a bad one', async () => {
    await expect(testApi({ connectors: { default: [SMTP] }, alerts: { connector: 'backup-smtp' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
