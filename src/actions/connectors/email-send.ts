// email.send: one message through an `smtp` connector. The Message-ID and an X-Idempotency-Key
// header derive from the step's idempotency key, so a message re-sent after a crash between
// "server accepted" and "checkpoint written" can be recognized as the same message downstream.
import { Type } from '@sinclair/typebox';
import nodemailer from 'nodemailer';
import type { CelProgram } from '../../conditions/cel.js';
import { parseIp } from '../../net/address-policy.js';
import { resolveCheckedAddress } from '../../net/outbound-http.js';
import type { ExternalAction } from '../types.js';
import { CelParam, ConnectorParam, StepCompiler, domainOf, renderString, setting, useConnector, withRedaction } from './common.js';

export interface CompiledEmail {
  connector: string;
  to: CelProgram;
  subject: CelProgram;
  text?: CelProgram;
  html?: CelProgram;
}

export const emailSend: ExternalAction<CompiledEmail> = {
  kind: 'external',
  type: 'email.send',
  connectorType: 'smtp',
  description: 'Send an email through an smtp connector',
  params: {
    connector: ConnectorParam,
    to: { ...CelParam, description: 'CEL: recipient address(es), comma-separated' },
    subject: { ...CelParam, description: 'CEL: subject line' },
    text: Type.Optional({ ...CelParam, description: 'CEL: plain-text body' }),
    html: Type.Optional({ ...CelParam, description: 'CEL: HTML body' }),
  },
  compile(step, ctx) {
    const c = new StepCompiler(step, ctx);
    const connector = c.connector();
    const to = c.template('to', { required: true });
    const subject = c.template('subject', { required: true });
    const text = c.template('text', { required: false });
    const html = c.template('html', { required: false });
    if (step.text === undefined && step.html === undefined) c.problem('text', 'give text, html, or both');
    if (!to || !subject) return { problems: c.problems };
    return { problems: c.problems, compiled: { connector, to, subject, text, html } };
  },
  async run(compiled, ctx) {
    const use = useConnector(ctx, compiled.connector, emailSend);
    const { settings, secrets } = use.connector;
    const host = setting(use.connector, 'host');
    const secure = settings.secure === true;
    const port = typeof settings.port === 'number' ? settings.port : secure ? 465 : 587;
    const from = setting(use.connector, 'from');
    const message = {
      from,
      to: renderString(compiled.to, ctx.cel, 'to'),
      subject: renderString(compiled.subject, ctx.cel, 'subject'),
      text: compiled.text ? renderString(compiled.text, ctx.cel, 'text') : undefined,
      html: compiled.html ? renderString(compiled.html, ctx.cel, 'html') : undefined,
      messageId: `<${ctx.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '.')}@${domainOf(from)}>`,
      headers: { 'X-Idempotency-Key': ctx.idempotencyKey },
      signal: ctx.signal,
    };

    return withRedaction(use.secrets, async () => {
      // Same address policy as HTTP; connect to the checked address itself (no second DNS answer).
      const address = await resolveCheckedAddress(use.outbound, host, port);
      const transport = nodemailer.createTransport({
        host: address,
        port,
        secure,
        auth: secrets.user !== undefined ? { user: secrets.user, pass: secrets.pass ?? '' } : undefined,
        // TLS still verifies the certificate against the configured name, not the pinned address.
        tls: parseIp(host) ? undefined : { servername: host },
        requireTLS: settings.requireTLS === true,
        ignoreTLS: settings.ignoreTLS === true,
        connectionTimeout: use.timeoutMs,
        greetingTimeout: use.timeoutMs,
        socketTimeout: use.timeoutMs,
      });
      try {
        const info = await transport.sendMail(message);
        return {
          messageId: info.messageId,
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
        };
      } finally {
        transport.close();
      }
    });
  },
};
