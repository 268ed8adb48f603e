// sms.send: a text message through a Twilio-compatible REST API (`twilio` connector):
// POST {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded To/From/Body, basic auth.
import { Type } from '@sinclair/typebox';
import type { CelProgram } from '../../conditions/cel.js';
import { outboundRequest } from '../../net/outbound-http.js';
import type { ExternalAction } from '../types.js';
import { CelParam, ConnectorParam, StepCompiler, expectSuccess, renderString, setting, useConnector, withRedaction } from './common.js';

export interface CompiledSms {
  connector: string;
  to: CelProgram;
  body: CelProgram;
  from?: CelProgram;
}

export const smsSend: ExternalAction<CompiledSms> = {
  kind: 'external',
  type: 'sms.send',
  connectorType: 'twilio',
  description: 'Send an SMS through a Twilio-compatible connector',
  params: {
    connector: ConnectorParam,
    to: { ...CelParam, description: 'CEL: the recipient number (E.164)' },
    body: { ...CelParam, description: 'CEL: the message text' },
    from: Type.Optional({ ...CelParam, description: 'CEL: the sender; default the connector\'s settings.from' }),
  },
  compile(step, ctx) {
    const c = new StepCompiler(step, ctx);
    const connector = c.connector();
    const to = c.template('to', { required: true });
    const body = c.template('body', { required: true });
    const from = c.template('from', { required: false });
    return { problems: c.problems, compiled: to && body ? { connector, to, body, from } : undefined };
  },
  async run(compiled, ctx) {
    const use = useConnector(ctx, compiled.connector, smsSend);
    const { secrets } = use.connector;
    const sid = secrets.accountSid ?? '';
    const credentials = Buffer.from(`${sid}:${secrets.authToken ?? ''}`).toString('base64');
    const form = new URLSearchParams({
      To: renderString(compiled.to, ctx.cel, 'to'),
      From: compiled.from ? renderString(compiled.from, ctx.cel, 'from') : setting(use.connector, 'from'),
      Body: renderString(compiled.body, ctx.cel, 'body'),
    });
    const base = setting(use.connector, 'baseUrl', 'https://api.twilio.com').replace(/\/+$/, '');
    const url = new URL(`${base}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`);

    // The encoded credentials count as a secret too.
    return withRedaction([...use.secrets, credentials], async () => {
      const response = await outboundRequest(use.outbound, {
        url,
        method: 'POST',
        headers: {
          authorization: `Basic ${credentials}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': ctx.idempotencyKey,
        },
        body: form.toString(),
        signal: ctx.signal,
        timeoutMs: use.timeoutMs,
      });
      expectSuccess(response, `SMS API at ${url.host}`, ctx.cel.now);
      const answer = response.body;
      const messageSid = answer && typeof answer === 'object' && !Array.isArray(answer) && typeof answer.sid === 'string' ? answer.sid : null;
      return { status: response.status, sid: messageSid };
    });
  },
};
