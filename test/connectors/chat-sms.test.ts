import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackPost, teamsPost } from '../../src/actions/connectors/chat-post.js';
import { smsSend } from '../../src/actions/connectors/sms-send.js';
import { classifyFailure } from '../../src/failures/action-failures.js';
import { compileProblems, compileStep, connectorsFor, everythingIn, json, startHttpServer, stepContext, thrown, type LocalServer } from './helpers.js';

const HOOK_SECRET = 'T0001/B0002/XyZsecretHookToken42';
const SID = 'AC1234567890abcdef';
const AUTH_TOKEN = 'twilio-auth-token-9f8e7d';
let hooks: LocalServer;

beforeAll(async () => {
  hooks = await startHttpServer((req, res) => {
    if (req.url === `/services/${HOOK_SECRET}`) return res.end('ok');
    if (req.url === `/fail/${HOOK_SECRET}`) return json(res, 500, { error: `webhook ${req.url} is broken` });
    if (req.url === `/2010-04-01/Accounts/${SID}/Messages.json`) {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${SID}:${AUTH_TOKEN}`).toString('base64')}`) return json(res, 401, { message: 'auth' });
      if (new URLSearchParams(req.body).get('To') === '+15550000000') return json(res, 400, { message: `bad number for ${SID}/${AUTH_TOKEN}` });
      return json(res, 201, { sid: 'SM42', status: 'queued' });
    }
    return json(res, 404, {});
  });
});
afterAll(() => hooks.close());

const allow = (): string[] => [`127.0.0.1:${hooks.port}`];

function chatContext(type: 'slack' | 'teams', path = 'services'): ReturnType<typeof stepContext> {
  const env = { HOOK: `${hooks.origin}/${path}/${HOOK_SECRET}` };
  return stepContext(connectorsFor([{ name: 'chat', type, secrets: { webhookUrl: { env: 'HOOK' } } }], env, allow()));
}

describe('slack.post and teams.post', () => {
  it('needs a connector name and a string text', () => {
    expect(compileProblems(slackPost, { text: 'record.amount' }).map((p) => p.path)).toEqual(['/actions/0/connector', '/actions/0/text']);
  });

  it('posts the rendered text to the webhook with the idempotency key', async () => {
    const compiled = compileStep(slackPost, { connector: 'chat', text: '"Deal " + record.name + " is in negotiation"' });
    expect(await slackPost.run(compiled, chatContext('slack'))).toEqual({ status: 200 });
    const sent = hooks.requests.at(-1);
    expect(JSON.parse(sent?.body ?? '')).toEqual({ text: 'Deal Acme renewal is in negotiation' });
    expect(sent?.headers['idempotency-key']).toBe('exec-1:notify');
  });

  it('posts an Adaptive Card to Teams', async () => {
    const compiled = compileStep(teamsPost, { connector: 'chat', text: 'record.name' });
    expect(await teamsPost.run(compiled, chatContext('teams'))).toEqual({ status: 200 });
    const body = JSON.parse(hooks.requests.at(-1)?.body ?? '') as { text: string; attachments: { content: { body: { text: string }[] } }[] };
    expect(body.text).toBe('Acme renewal');
    expect(body.attachments[0]?.content.body[0]?.text).toBe('Acme renewal');
  });

  it('keeps the webhook URL out of a failing call\'s error', async () => {
    const error = await thrown(slackPost.run(compileStep(slackPost, { connector: 'chat', text: '"x"' }), chatContext('slack', 'fail')));
    expect(classifyFailure(error)).toMatchObject({ retryable: true, code: 'UPSTREAM_ERROR' });
    expect(everythingIn(error)).toContain('[REDACTED]');
    expect(everythingIn(error)).not.toContain('XyZsecretHookToken42');
  });

  it('keeps the webhook URL out of a refused or unreachable call\'s error', async () => {
    const refused = stepContext(connectorsFor([{ name: 'chat', type: 'slack', secrets: { webhookUrl: { env: 'HOOK' } } }], { HOOK: `http://169.254.169.254/${HOOK_SECRET}` }));
    const ssrf = await thrown(slackPost.run(compileStep(slackPost, { connector: 'chat', text: '"x"' }), refused));
    expect(ssrf.code).toBe('SSRF_REFUSED');
    expect(everythingIn(ssrf)).not.toContain('XyZsecretHookToken42');

    const closed = await startHttpServer(() => undefined);
    const port = closed.port;
    await closed.close();
    const down = stepContext(connectorsFor([{ name: 'chat', type: 'teams', secrets: { webhookUrl: { env: 'HOOK' } } }], { HOOK: `http://127.0.0.1:${port}/${HOOK_SECRET}` }, [`127.0.0.1:${port}`]));
    const network = await thrown(teamsPost.run(compileStep(teamsPost, { connector: 'chat', text: '"x"' }), down));
    expect(classifyFailure(network)).toMatchObject({ retryable: true, code: 'NETWORK_ERROR' });
    expect(everythingIn(network)).not.toContain('XyZsecretHookToken42');
  });
});

describe('sms.send', () => {
  function smsContext(): ReturnType<typeof stepContext> {
    return stepContext(
      connectorsFor(
        [{ name: 'sms', type: 'twilio', settings: { baseUrl: hooks.origin, from: '+15551230000' }, secrets: { accountSid: { env: 'SID' }, authToken: { env: 'TOKEN' } } }],
        { SID, TOKEN: AUTH_TOKEN },
        allow(),
      ),
    );
  }

  it('posts a form with basic auth and the idempotency key', async () => {
    const compiled = compileStep(smsSend, { connector: 'sms', to: '"+15557654321"', body: '"Deal " + record.name + " needs you"' });
    expect(await smsSend.run(compiled, smsContext())).toEqual({ status: 201, sid: 'SM42' });
    const sent = hooks.requests.at(-1);
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent?.headers['idempotency-key']).toBe('exec-1:notify');
    expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({ To: '+15557654321', From: '+15551230000', Body: 'Deal Acme renewal needs you' });
  });

  it('fails a rejected number for good, without the credentials', async () => {
    const compiled = compileStep(smsSend, { connector: 'sms', to: '"+15550000000"', body: '"hi"' });
    const error = await thrown(smsSend.run(compiled, smsContext()));
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'UPSTREAM_REJECTED' });
    expect(everythingIn(error)).not.toContain(AUTH_TOKEN);
    expect(everythingIn(error)).not.toContain(SID);
  });
});
